package dev.sluice.gateway.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageProvider;
import dev.sluice.gateway.GatewayStage;
import dev.sluice.gateway.keys.KeyAdmin;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;

import static org.awaitility.Awaitility.await;

/**
 * The real pipeline (ingest, enrichment, generation) on the test kit's broker, registry and Redis, with the
 * generation stage calling {@link MockLlmServer} over HTTP (so provider calls can be counted), plus any number of
 * gateway instances in front of it. Each pipeline has its own topic prefix.
 */
final class Pipeline implements AutoCloseable {
    static final List<String> STAGES = List.of("ingest", "enrichment", "generation");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final TopicCatalog catalog;
    final SluiceConfig config;
    /** The settings {@link #config} was made of (what a stage run as {@code sluice run} gets as {@code --set}s). */
    final Map<String, String> values;
    final MockLlmServer llm;
    final KeyAdmin keys;
    private final List<Stage> stages = new ArrayList<>();
    private final List<GatewayStage> gateways = new ArrayList<>();
    private final Map<GatewayStage, SimpleMeterRegistry> meters = new java.util.concurrent.ConcurrentHashMap<>();

    Pipeline(String name, KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis, Map<String, String> extra) throws Exception {
        this(SluiceInfra.uniquePrefix(name), kafka.bootstrapServers(), registry.url(), redis.uri(), extra, true);
    }

    /**
     * @param runStages whether to run ingest, enrichment and generation here; false gives only the configuration, the
     *               topics, the key admin and gateways, for a pipeline that runs in another process (the benchmark)
     */
    Pipeline(String prefix, String bootstrap, String registryUrl, String redisUri, Map<String, String> extra, boolean runStages) throws Exception {
        Path state = Files.createTempDirectory("sluice-gateway-it");
        llm = MockLlmServer.start();
        values = new HashMap<>(Map.of(
                CommonKeys.KAFKA_BOOTSTRAP_SERVERS, bootstrap,
                CommonKeys.SCHEMA_REGISTRY_URL, registryUrl,
                CommonKeys.REDIS_URL, redisUri,
                CommonKeys.TOPIC_PREFIX, prefix,
                CommonKeys.TOPIC_PARTITIONS, "3",
                CommonKeys.STATE_DIR, state.toString(),
                CommonKeys.PROVIDER, "openai",
                CommonKeys.PROVIDER_BASE_URL, llm.openAiBaseUrl(),
                "provider.api.key", "sk-mock-provider-key-0123456789"));
        values.putAll(Map.of(
                "ingest.application.id", prefix + "ingest",
                "enrichment.group.id", prefix + "enrichment",
                "generation.group.id", prefix + "generation",
                // Every call must reach the provider, so "one provider call" is measured, not hidden by the cache.
                "generation.cache.enabled", "false",
                "ingest.tier.pro.requests.per.minute", "100000",
                "ingest.tier.pro.tokens.per.minute", "1000000000",
                "ingest.tier.pro.requests.per.day", "100000000",
                "gateway.port", "0"));
        values.putAll(extra);
        config = SluiceConfig.of(values);
        catalog = new TopicCatalog(prefix, 3, new SchemaRegistryClient(registryUrl));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.createAll(catalog, admin, (short) 1);
        }
        Map<String, StageProvider> found = new HashMap<>();
        ServiceLoader.load(StageProvider.class).forEach(p -> found.put(p.name(), p));
        for (String name1 : runStages ? STAGES : List.<String>of()) {
            Stage stage = found.get(name1).create(config, catalog, new SimpleMeterRegistry());
            stages.add(stage);
            stage.start();
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> stages.stream().allMatch(s -> s.health().ready()));
        keys = new KeyAdmin(CommonKeys.kafkaClientProperties(config), catalog.apiKeys(), catalog.userPolicies(), Clock.systemUTC());
    }

    /** Starts one more gateway instance in front of the pipeline. */
    GatewayStage gateway(String instanceId) {
        return gateway(instanceId, Map.of());
    }

    /** Starts one more gateway instance with settings of its own on top of the pipeline's. */
    GatewayStage gateway(String instanceId, Map<String, String> settings) {
        Map<String, String> own = new HashMap<>(settings);
        own.put("gateway.instance.id", instanceId);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GatewayStage gateway = new GatewayStage(config.with(own), catalog, registry, Clock.systemUTC());
        meters.put(gateway, registry);
        gateways.add(gateway);
        gateway.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.health().ready());
        return gateway;
    }

    /** The meters a gateway instance registered (what its {@code /metrics} would show). */
    SimpleMeterRegistry meters(GatewayStage gateway) {
        return meters.get(gateway);
    }

    /** The gateway instances started so far. */
    List<GatewayStage> gateways() {
        return List.copyOf(gateways);
    }

    /**
     * A new key for {@code user} on {@code tier}; returns the secret once every running gateway instance knows it. A key
     * reaches an instance when it reads {@code llm.api-keys}, a moment after the write; without this wait a test's
     * first call could be refused 401 by an instance that had not read it yet (CI saw it once), which no test is about.
     * Instances a test closed (not ready) are skipped.
     */
    String key(String user, String tier) {
        String secret = keys.create(user, Optional.of(tier), Optional.empty(), Optional.empty(), Optional.of("it")).secret();
        for (GatewayStage gateway : gateways) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !gateway.health().ready() || knows(gateway, secret));
        }
        return secret;
    }

    /** Whether {@code gateway} accepts {@code secret}: any answer to an authenticated call but 401. */
    private static boolean knows(GatewayStage gateway, String secret) {
        try {
            return status(gateway, secret) != 401;
        } catch (java.io.IOException e) {
            return false; // closing: the next poll sees it not ready
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The status {@code gateway} answers an authenticated {@code GET /v1/models} with {@code key}. */
    static int status(GatewayStage gateway, String key) throws java.io.IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/models")).header("Authorization", "Bearer " + key).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Override
    public void close() {
        gateways.forEach(GatewayStage::close);
        for (int i = stages.size() - 1; i >= 0; i--) {
            stages.get(i).close();
        }
        llm.close();
    }
}
