package dev.sluice.launcher.infra;

import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.Sanitizer;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * Fail-fast checks that Kafka, the schema registry and Redis answer, with short timeouts and a message
 * naming the configuration key at fault. Stages can then assume their dependencies were there at start.
 */
public final class Preflight {
    public static final String TIMEOUT_KEY = "preflight.timeout.ms";
    /** Default of {@link #TIMEOUT_KEY}: 10 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Launcher")
            .define(TIMEOUT_KEY, LONG, DEFAULT_TIMEOUT.toMillis(), Range.atLeast(0L), LOW,
                    "How long each dependency check (Kafka, schema registry, Redis) waits at start, ms.");

    private final SluiceConfig config;
    private final Duration timeout;

    public Preflight(SluiceConfig config) {
        this.config = config;
        this.timeout = DEFINITION.read(config).duration(TIMEOUT_KEY);
    }

    /** The launcher's own keys: type, default, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** Kafka admin properties: every {@code kafka.*} setting (security included) plus short timeouts unless set. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> props = new HashMap<>(CommonKeys.kafkaClientProperties(config));
        String millis = Long.toString(timeout.toMillis());
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        props.putIfAbsent(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Long.toString(Math.min(5000, timeout.toMillis())));
        props.putIfAbsent(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, millis);
        return props;
    }

    /** Opens an admin client and checks the cluster answers; the caller closes it. */
    public Admin kafka() {
        String bootstrap = String.valueOf(CommonKeys.kafkaClientProperties(config).get("bootstrap.servers"));
        Admin admin;
        try {
            admin = Admin.create(adminProperties());
        } catch (KafkaException e) {
            throw ConfigException.invalid(CommonKeys.KAFKA_BOOTSTRAP_SERVERS, config.source(CommonKeys.KAFKA_BOOTSTRAP_SERVERS),
                    bootstrap, "reachable host:port pairs (" + rootMessage(e) + ")");
        }
        try {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return admin;
        } catch (TimeoutException e) {
            admin.close(Duration.ZERO);
            throw Unreachable.of("Kafka", CommonKeys.KAFKA_BOOTSTRAP_SERVERS, bootstrap,
                    "no broker answered within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            admin.close(Duration.ZERO);
            Throwable cause = e.getCause();
            String hint = cause instanceof AuthenticationException || cause instanceof AuthorizationException
                    ? "the cluster refused the client (" + cause.getClass().getSimpleName() + "); check kafka.security.protocol / kafka.sasl.*"
                    : rootMessage(cause);
            throw Unreachable.of("Kafka", CommonKeys.KAFKA_BOOTSTRAP_SERVERS, bootstrap, hint);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admin.close(Duration.ZERO);
            throw Unreachable.of("Kafka", CommonKeys.KAFKA_BOOTSTRAP_SERVERS, bootstrap, "interrupted");
        }
    }

    /** Checks the Confluent-compatible registry answers {@code GET /subjects}; returns its base URL. */
    public String registry() {
        String url = config.required(CommonKeys.SCHEMA_REGISTRY_URL,
                "the Confluent-compatible schema registry base URL, e.g. http://localhost:8081");
        URI subjects;
        try {
            subjects = URI.create((url.endsWith("/") ? url : url + "/") + "subjects");
            if (subjects.getScheme() == null || !subjects.getScheme().startsWith("http")) {
                throw new IllegalArgumentException("not http(s)");
            }
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(CommonKeys.SCHEMA_REGISTRY_URL, config.source(CommonKeys.SCHEMA_REGISTRY_URL), url,
                    "an http:// or https:// URL");
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        try {
            HttpResponse<Void> reply = http.send(HttpRequest.newBuilder(subjects).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            if (reply.statusCode() != 200) {
                throw Unreachable.of("The schema registry", CommonKeys.SCHEMA_REGISTRY_URL, url,
                        "GET /subjects answered HTTP " + reply.statusCode() + " (is this the Confluent-compatible base URL?)");
            }
            return url;
        } catch (java.net.http.HttpTimeoutException e) {
            throw Unreachable.of("The schema registry", CommonKeys.SCHEMA_REGISTRY_URL, url,
                    "no answer within " + timeout.toSeconds() + " s");
        } catch (java.net.ConnectException e) {
            throw Unreachable.of("The schema registry", CommonKeys.SCHEMA_REGISTRY_URL, url, "connection refused");
        } catch (IOException e) {
            throw Unreachable.of("The schema registry", CommonKeys.SCHEMA_REGISTRY_URL, url, rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Unreachable.of("The schema registry", CommonKeys.SCHEMA_REGISTRY_URL, url, "interrupted");
        }
    }

    /** Checks Redis answers PING (AUTH and TLS from the {@code redis://} / {@code rediss://} URL), if one is configured. */
    public boolean redisIfConfigured() {
        Optional<String> url = CommonKeys.read(config).optionalString(CommonKeys.REDIS_URL);
        url.ifPresent(u -> redis(u, timeout));
        return url.isPresent();
    }

    /** Checks the Redis at {@code url} answers PING within {@code timeout}. */
    public static void redis(String url, Duration timeout) {
        String shown = Sanitizer.withoutCredentials(url);
        RedisURI uri;
        try {
            uri = RedisURI.create(url);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(CommonKeys.REDIS_URL, "configuration", shown, "a redis:// or rediss:// URL");
        }
        uri.setTimeout(timeout);
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder().autoReconnect(false)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build()).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().ping();
        } catch (RuntimeException e) {
            throw Unreachable.of("Redis", CommonKeys.REDIS_URL, shown, rootMessage(e));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return message.length() > 300 ? message.substring(0, 300) + "…" : message;
    }
}
