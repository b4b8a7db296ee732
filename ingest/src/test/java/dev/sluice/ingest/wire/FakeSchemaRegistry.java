package dev.sluice.ingest.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An in-memory stand-in for the two registry calls the serdes make (register, fetch by id), so
 * TopologyTestDriver tests run without a registry process. Integration tests use the real Apicurio.
 */
public final class FakeSchemaRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static FakeSchemaRegistry instance;

    private final HttpServer server;
    private final Map<String, Integer> idsBySchema = new ConcurrentHashMap<>();
    private final Map<Integer, String> schemasById = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);

    private FakeSchemaRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The shared instance of this JVM. */
    public static synchronized FakeSchemaRegistry get() {
        if (instance == null) {
            try {
                instance = new FakeSchemaRegistry();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String reply;
        int status = 200;
        if ("POST".equals(exchange.getRequestMethod()) && path.endsWith("/versions")) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            String schema = body.path("schema").asText();
            int id = idsBySchema.computeIfAbsent(schema, s -> {
                int n = nextId.getAndIncrement();
                schemasById.put(n, s);
                return n;
            });
            reply = JSON.writeValueAsString(Map.of("id", id));
        } else if (path.startsWith("/schemas/ids/")) {
            String schema = schemasById.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
            if (schema == null) {
                status = 404;
                reply = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
            } else {
                reply = JSON.writeValueAsString(Map.of("schema", schema));
            }
        } else {
            status = 404;
            reply = "{}";
        }
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
