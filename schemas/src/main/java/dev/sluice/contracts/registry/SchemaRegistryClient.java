package dev.sluice.contracts.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;

/**
 * A small client of the Confluent Schema Registry REST API, the part Sluice needs: register a schema
 * under a subject, fetch a schema by id, and check compatibility. Works against any
 * Confluent-compatible registry (Confluent, Apicurio's {@code /apis/ccompat/v7}, Karapace).
 *
 * <p>Hand-written because Confluent's Java client is not published on Maven Central. Schemas and ids
 * are immutable in the registry, so both directions are cached for the life of the client; the
 * client is thread-safe and meant to be shared by all serdes of a process.
 */
public final class SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Default timeout of one registry call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final String baseUrl;
    private final HttpClient http;
    private final Duration timeout;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    public SchemaRegistryClient(String baseUrl) {
        this(baseUrl, DEFAULT_TIMEOUT);
    }

    public SchemaRegistryClient(String baseUrl, Duration timeout) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("schema registry URL must start with http:// or https://, got '" + baseUrl + "'");
        }
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Registers {@code schema} under {@code subject} (a no-op returning the existing id if already there). */
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode reply = call("register under " + subject, post("/subjects/" + encode(subject) + "/versions", schemaBody(schema)));
        int id = reply.path("id").asInt(-1);
        if (id < 0) {
            throw SchemaRegistryException.failed("register under " + subject, 200, "reply has no id: " + reply);
        }
        ids.put(schema, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** Looks up the id of {@code schema} under {@code subject} without registering it. */
    public int lookup(String subject, Schema schema) {
        Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode reply = call("look up in " + subject, post("/subjects/" + encode(subject), schemaBody(schema)));
        int id = reply.path("id").asInt(-1);
        ids.put(schema, id);
        return id;
    }

    /** The schema with this id. Throws {@link SchemaRegistryException} with status 404 if the registry does not know it. */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode reply;
        try {
            reply = call("fetch schema " + id, HttpRequest.newBuilder(uri("/schemas/ids/" + id)).GET());
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw SchemaRegistryException.unknownSchemaId(id);
            }
            throw e;
        }
        Schema schema = new Schema.Parser().parse(reply.path("schema").asText());
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous == null ? schema : previous;
    }

    /** Whether {@code schema} may be registered as the next version of {@code subject} under its compatibility rule. */
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode reply = call("check compatibility for " + subject,
                    post("/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema)));
            return reply.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return true; // no versions yet: anything is compatible
            }
            throw e;
        }
    }

    /** Sets the subject's compatibility level (e.g. BACKWARD). */
    public void setCompatibility(String subject, String level) {
        HttpRequest.Builder put = HttpRequest.newBuilder(uri("/config/" + encode(subject)))
                .header("Content-Type", CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"));
        call("set compatibility of " + subject, put);
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static String schemaBody(Schema schema) {
        try {
            return JSON.writeValueAsString(Map.of("schema", schema.toString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode call(String operation, HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(timeout).header("Accept", CONTENT_TYPE).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw SchemaRegistryException.unreachable(baseUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SchemaRegistryException.unreachable(baseUrl, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw SchemaRegistryException.failed(operation, response.statusCode(), response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw SchemaRegistryException.failed(operation, response.statusCode(), "unreadable reply: " + response.body());
        }
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8);
    }
}
