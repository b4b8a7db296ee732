package dev.sluice.enrichment.embed;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Embeddings from any OpenAI-compatible {@code POST /v1/embeddings} server (OpenAI, vLLM, llama.cpp, Ollama, TEI):
 * one request per batch of at most {@code batchSize} texts, vectors placed by their {@code index}. Case-sensitive
 * (texts are not lowercased for the cache key). Failures raise {@link EmbeddingException} with the HTTP status only:
 * provider error bodies can echo the input, so they are never put in messages, nor read at all. An answer is read
 * into memory to be parsed, so its size is bounded ({@link #maxAnswerBytes}): a larger one fails the batch as an
 * outage instead of filling the heap. So is its time: the request timeout of {@code java.net.http} covers only the
 * wait for the answer's headers, so the body must arrive within the same timeout after them, or the read is cut and the
 * batch fails as an outage (a server trickling an answer would otherwise hold the stage's loop without limit).
 */
public final class OpenAiEmbedder implements Embedder {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Cuts answers that take longer than the timeout to read (closing their stream ends a blocked read). */
    private static final ScheduledExecutorService DEADLINES = deadlines();

    private final HttpClient http;
    private final URI endpoint;
    private final String model;
    private final Optional<String> apiKey;
    private final Duration timeout;
    private final int batchSize;
    private final int maxAnswerBytes;
    private volatile int dimensions = -1;

    public OpenAiEmbedder(String baseUrl, String model, Optional<String> apiKey, Duration timeout, int batchSize) {
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/v1/embeddings");
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.batchSize = batchSize;
        this.maxAnswerBytes = maxAnswerBytes(batchSize);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * The largest answer read for a batch of {@code batchSize} texts: 256 KiB a vector (a 3,072-float vector is ~40 KiB
     * of JSON), at least 8 MiB.
     */
    static int maxAnswerBytes(int batchSize) {
        return (int) Math.min(Integer.MAX_VALUE - 8, Math.max(8L << 20, (long) batchSize << 18));
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
        byte[] answer;
        AtomicBoolean late = new AtomicBoolean();
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) { // closing it unread drops the rest (and the connection)
                int status = response.statusCode();
                if (status / 100 != 2) {
                    String what = "HTTP " + status + " from " + endpoint.getHost();
                    boolean refusedInput = status == 400 || status == 413 || status == 422;
                    throw refusedInput ? EmbeddingException.rejected(modelId(), what) : EmbeddingException.of(modelId(), what, null);
                }
                ScheduledFuture<?> cut = DEADLINES.schedule(() -> {
                    late.set(true);
                    closeQuietly(in);
                }, timeout.toNanos(), TimeUnit.NANOSECONDS);
                try {
                    answer = in.readNBytes(maxAnswerBytes + 1);
                } finally {
                    cut.cancel(false);
                }
            }
        } catch (IOException e) {
            if (late.get()) {
                throw tooSlow();
            }
            throw EmbeddingException.of(modelId(), "request to " + endpoint.getHost() + " failed (" + e.getClass().getSimpleName() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EmbeddingException.of(modelId(), "interrupted", e);
        }
        if (late.get()) {
            throw tooSlow();
        }
        if (answer.length > maxAnswerBytes) {
            throw EmbeddingException.of(modelId(), "the answer from " + endpoint.getHost() + " is larger than " + maxAnswerBytes
                    + " bytes for " + texts.size() + " texts; not read further", null);
        }
        return parse(answer, texts.size());
    }

    /** One daemon thread; a cut cancelled because its answer was read in time leaves the queue at once. */
    private static ScheduledExecutorService deadlines() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sluice-embedder-deadline");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    private EmbeddingException tooSlow() {
        return EmbeddingException.of(modelId(), "the answer from " + endpoint.getHost() + " took longer than " + timeout.toMillis()
                + " ms to read after its headers; not read further", null);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // cutting it is all that matters
        }
    }

    private List<float[]> parse(byte[] body, int expected) {
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
