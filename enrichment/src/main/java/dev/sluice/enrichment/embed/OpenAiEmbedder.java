package dev.sluice.enrichment.embed;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Embeddings from any OpenAI-compatible {@code POST /v1/embeddings} server (OpenAI, vLLM, llama.cpp, Ollama, TEI):
 * one request per batch of at most {@code batchSize} texts, vectors placed by their {@code index}. Case-sensitive
 * (texts are not lowercased for the cache key). Failures raise {@link EmbeddingException} with the HTTP status only:
 * provider error bodies can echo the input, so they are never put in messages.
 */
public final class OpenAiEmbedder implements Embedder {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI endpoint;
    private final String model;
    private final Optional<String> apiKey;
    private final Duration timeout;
    private final int batchSize;
    private volatile int dimensions = -1;

    public OpenAiEmbedder(String baseUrl, String model, Optional<String> apiKey, Duration timeout, int batchSize) {
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/v1/embeddings");
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.batchSize = batchSize;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String modelId() {
        return "openai:" + model;
    }

    /** Known after the first call (the server decides); -1 before. */
    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public boolean caseInsensitive() {
        return false;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += batchSize) {
            out.addAll(call(texts.subList(from, Math.min(texts.size(), from + batchSize))));
        }
        return out;
    }

    private List<float[]> call(List<String> texts) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("encoding_format", "float");
        texts.forEach(body.putArray("input")::add);
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw EmbeddingException.of(modelId(), "request to " + endpoint.getHost() + " failed (" + e.getClass().getSimpleName() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EmbeddingException.of(modelId(), "interrupted", e);
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            String what = "HTTP " + status + " from " + endpoint.getHost();
            boolean refusedInput = status == 400 || status == 413 || status == 422;
            throw refusedInput ? EmbeddingException.rejected(modelId(), what) : EmbeddingException.of(modelId(), what, null);
        }
        return parse(response.body(), texts.size());
    }

    private List<float[]> parse(String body, int expected) {
        try {
            JsonNode data = JSON.readTree(body).path("data");
            float[][] vectors = new float[expected][];
            for (JsonNode item : data) {
                int index = item.path("index").asInt(-1);
                JsonNode values = item.path("embedding");
                if (index < 0 || index >= expected || !values.isArray()) {
                    throw EmbeddingException.of(modelId(), "malformed response (index " + index + ")", null);
                }
                float[] v = new float[values.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) values.get(i).asDouble();
                }
                vectors[index] = v;
            }
            for (int i = 0; i < expected; i++) {
                if (vectors[i] == null || (i > 0 && vectors[i].length != vectors[0].length)) {
                    throw EmbeddingException.of(modelId(), "response lacks a vector for input " + i + " of " + expected, null);
                }
            }
            if (expected > 0) {
                dimensions = vectors[0].length;
            }
            return List.of(vectors);
        } catch (IOException e) {
            throw EmbeddingException.of(modelId(), "response is not JSON", e);
        }
    }

    @Override
    public void close() {
        // HttpClient has no close() before JDK 21; its threads are daemons
    }
}
