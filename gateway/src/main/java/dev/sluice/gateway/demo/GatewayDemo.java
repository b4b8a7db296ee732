package dev.sluice.gateway.demo;

import java.io.PrintStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.keys.KeyAdmin;
import dev.sluice.contracts.TopicCatalog;

/**
 * The demo's gateway step: a key is created, an HTTP client asks the OpenAI-compatible API for a completion,
 * then a burst shows the 429s with {@code Retry-After} and the {@code x-ratelimit-*} headers. Only the key's id
 * is printed, never the key.
 */
final class GatewayDemo {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    GatewayDemo(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    void run(TopicCatalog catalog, Map<String, Object> kafka, PrintStream out) throws InterruptedException {
        KeyAdmin admin = new KeyAdmin(kafka, catalog.apiKeys(), catalog.userPolicies(), Clock.systemUTC());
        KeyAdmin.Created key = admin.create("gateway-demo-" + UUID.randomUUID().toString().substring(0, 6), Optional.of("FREE"),
                Optional.empty(), Optional.of(Duration.ofHours(1)), Optional.of("sluice demo"));
        out.printf("%ngateway   %s (OpenAI-compatible); key %s for user %s (FREE: 10 requests/min)%n", baseUrl,
                key.record().getKeyId(), key.record().getUserId());
        Thread.sleep(1_000); // the policy reaches admission through its own topic
        HttpResponse<String> first = send(key.secret(), "What does a sluice do?").join();
        JsonNode body = read(first.body());
        out.printf("  POST /v1/chat/completions -> %d, usage %s%n", first.statusCode(), body.path("usage"));
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            burst.add(send(key.secret(), "burst question " + i));
        }
        int ok = 0;
        HttpResponse<String> limited = null;
        for (CompletableFuture<HttpResponse<String>> call : burst) {
            HttpResponse<String> r = call.join();
            if (r.statusCode() == 200) {
                ok++;
            } else if (r.statusCode() == 429 && limited == null) {
                limited = r;
            }
        }
        out.printf("  burst of 11 -> %d answered, %d refused with 429%n", ok, 11 - ok);
        if (limited != null) {
            HttpResponse<String> r = limited;
            out.printf("  429 headers: Retry-After %s, x-ratelimit-limit-requests %s, -remaining-requests %s, -reset-requests %s%n",
                    header(r, "Retry-After"), header(r, "x-ratelimit-limit-requests"), header(r, "x-ratelimit-remaining-requests"),
                    header(r, "x-ratelimit-reset-requests"));
            out.printf("  429 body: %s%n", read(r.body()).path("error").path("message").asText());
        }
        batch(admin, out);
    }

    /** A small batch of a PRO user: upload, create, poll to a terminal status, show the counts and an output line. */
    private void batch(KeyAdmin admin, PrintStream out) throws InterruptedException {
        KeyAdmin.Created key = admin.create("gateway-batch-" + UUID.randomUUID().toString().substring(0, 6), Optional.of("PRO"),
                Optional.empty(), Optional.of(Duration.ofHours(1)), Optional.of("sluice demo batch"));
        Thread.sleep(1_000); // the policy reaches admission through its own topic
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            jsonl.append("{\"custom_id\":\"q").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",")
                    .append("\"body\":{\"model\":\"gpt-4o-mini\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"batch question ")
                    .append(i).append("\"}]}}\n");
        }
        String boundary = "sluice-demo-" + UUID.randomUUID();
        String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"demo.jsonl\"\r\n\r\n" + jsonl + "\r\n--" + boundary + "--\r\n";
        JsonNode file = read(call(key.secret(), "/files", "multipart/form-data; boundary=" + boundary, form).body());
        JsonNode batch = read(call(key.secret(), "/batches", "application/json", "{\"input_file_id\":\"" + file.path("id").asText()
                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}").body());
        String id = batch.path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!batch.path("status").asText().matches("completed|cancelled|failed") && System.nanoTime() < deadline) {
            Thread.sleep(500);
            batch = read(call(key.secret(), "/batches/" + id, null, null).body());
        }
        out.printf("  batch %s of 5 lines -> %s, request_counts %s%n", id, batch.path("status").asText(), batch.path("request_counts"));
        if (batch.hasNonNull("output_file_id")) {
            String first = call(key.secret(), "/files/" + batch.path("output_file_id").asText() + "/content", null, null).body().lines()
                    .findFirst().orElse("");
            out.printf("  output line: custom_id %s, status %s%n", read(first).path("custom_id").asText(),
                    read(first).path("response").path("status_code").asText());
        }
    }

    private HttpResponse<String> call(String key, String path, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key);
        if (body != null) {
            b.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).join();
    }

    private CompletableFuture<HttpResponse<String>> send(String key, String question) {
        String body = "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.valueToTree(question) + "}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                .timeout(Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse("-");
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
