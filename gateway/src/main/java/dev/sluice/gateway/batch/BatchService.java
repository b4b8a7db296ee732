package dev.sluice.gateway.batch;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.RequestPublisher;
import dev.sluice.gateway.http.ApiError;
import dev.sluice.gateway.http.ChatRequestParser;
import dev.sluice.gateway.http.Json;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.gateway.outcome.Replies;
import dev.sluice.schema.LlmRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs batches: each valid line becomes an ordinary request of the key's user (so admission's limits, quotas
 * and budgets apply), published with a deterministic request id; progress is what the outcome topics say about
 * those ids. The publisher leaves a marker every {@value #MARK_EVERY} lines; if a publisher stops marking (its
 * instance died), any instance resumes from the last marker after {@link #STALL}. Re-publishing a line is safe:
 * admission answers DUPLICATE and the first outcome stands.
 */
public final class BatchService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchService.class);
    static final int MARK_EVERY = 100;
    /** OpenAI's completion window: a batch not finished this long after its creation expires. */
    static final Duration WINDOW = Duration.ofHours(24);
    static final Duration STALL = Duration.ofSeconds(10);
    /** Metadata key of batch lines' batch id and custom id. */
    static final String BATCH_METADATA = "sluice.batch.id";

    private final BatchStore store;
    private final ChatRequestParser parser;
    private final RequestPublisher publisher;
    private final OutcomeScanner scanner;
    private final String instanceId;
    private final Clock clock;
    private final Map<String, BatchProgress> loaded = new ConcurrentHashMap<>();
    private final Map<String, Integer> lineOf = new ConcurrentHashMap<>();
    private final Map<String, BatchProgress> byRequest = new ConcurrentHashMap<>();
    private final Map<String, Boolean> publishing = new ConcurrentHashMap<>();
    private final Map<String, dev.sluice.gateway.TopicTail> following = new ConcurrentHashMap<>();
    private final int replyPartitions;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "sluice-gateway-batches");
        t.setDaemon(true);
        return t;
    });

    /** @param replyPartitions partitions of the reply topic: a batch's lines reply to the one of its batch id */
    public BatchService(BatchStore store, ChatRequestParser parser, RequestPublisher publisher, OutcomeScanner scanner,
                        int replyPartitions, String instanceId, Clock clock) {
        this.replyPartitions = replyPartitions;
        this.store = store;
        this.parser = parser;
        this.publisher = publisher;
        this.scanner = scanner;
        this.instanceId = instanceId;
        this.clock = clock;
    }

    public BatchService start() {
        executor.scheduleWithFixedDelay(this::resumeStalled, STALL.toMillis(), STALL.toMillis() / 2, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Feeds an outcome read from the topics to the batch whose line it answers, if any. */
    public void offer(Outcome outcome) {
        BatchProgress batch = byRequest.get(outcome.requestId());
        if (batch != null && batch.userId.equals(outcome.userId())) {
            batch.offer(lineOf.get(outcome.requestId()), outcome);
        }
    }

    public BatchStore store() {
        return store;
    }

    /** Creates and starts a batch over an uploaded file of {@code userId}. */
    public ObjectNode create(String userId, String inputFileId, JsonNode metadata) {
        ObjectNode file = store.meta("file:" + inputFileId).filter(f -> f.path("user_id").asText().equals(userId))
                .orElseThrow(() -> ApiError.notFound("no file " + ChatRequestParser.shorten(inputFileId) + " for this key's user"));
        String id = "batch_" + java.util.UUID.randomUUID().toString().replace("-", "");
        long now = clock.instant().getEpochSecond();
        ObjectNode batch = Json.object().put("id", id).put("user_id", userId).put("input_file_id", inputFileId)
                .put("endpoint", "/v1/chat/completions").put("completion_window", "24h").put("status", "in_progress")
                .put("created_at", now).put("lines", file.path("lines").asInt()).put("published_lines", 0)
                .put("published", false).put("marked_at_ms", clock.millis()).put("owner", instanceId).put("version", 1);
        if (metadata != null && metadata.isObject()) {
            batch.set("metadata", metadata);
        }
        store.putMeta("batch:" + id, batch);
        load(batch, false);
        publishFrom(id, 0);
        return batch;
    }

    /** The batch's metadata, if it belongs to {@code userId}. */
    public ObjectNode batch(String userId, String batchId) {
        return store.meta("batch:" + batchId).filter(b -> b.path("user_id").asText().equals(userId))
                .orElseThrow(() -> ApiError.notFound("no batch " + ChatRequestParser.shorten(batchId) + " for this key's user"));
    }

    /** The progress of a batch, loading it from the file and the outcome topics if this instance has not yet. */
    BatchProgress progress(ObjectNode batch) {
        BatchProgress p = loaded.get(batch.path("id").asText());
        return p != null ? p : load(batch, true);
    }

    /** Marks a batch cancelling: lines not yet published never will be. */
    public ObjectNode cancel(String userId, String batchId) {
        ObjectNode batch = batch(userId, batchId);
        String status = batch.path("status").asText();
        if (status.equals("in_progress")) {
            batch.put("status", "cancelling").put("cancelling_at", clock.instant().getEpochSecond()).put("version", batch.path("version").asLong() + 1);
            store.putMeta("batch:" + batchId, batch);
        }
        return batch;
    }

    /** Records a terminal status once (so listings need not recompute it). */
    void finish(ObjectNode batch, String status) {
        dev.sluice.gateway.TopicTail tail = following.remove(batch.path("id").asText());
        if (tail != null) {
            tail.close(); // settled: nothing more will come for it
        }
        if (batch.path("status").asText().equals(status)) {
            return;
        }
        batch.put("status", status).put(status + "_at", clock.instant().getEpochSecond()).put("version", batch.path("version").asLong() + 1);
        store.putMeta("batch:" + batch.path("id").asText(), batch);
    }

    private synchronized BatchProgress load(ObjectNode batch, boolean scan) {
        String id = batch.path("id").asText();
        BatchProgress existing = loaded.get(id);
        if (existing != null) {
            return existing;
        }
        ObjectNode file = store.meta("file:" + batch.path("input_file_id").asText())
                .orElseThrow(() -> new IllegalStateException("the input file of " + id + " is gone"));
        int n = file.path("lines").asInt();
        String[] customIds = new String[n];
        String[] invalid = new String[n];
        int[] line = {0};
        String userId = batch.path("user_id").asText();
        store.readFile(file, bytes -> {
            int i = line[0]++;
            if (i < n) {
                Parsed parsed = parse(id, userId, i, bytes);
                customIds[i] = parsed.customId;
                invalid[i] = parsed.error;
            }
        });
        BatchProgress progress = new BatchProgress(id, userId, customIds, invalid);
        for (int i = 0; i < n; i++) {
            String requestId = BatchProgress.requestId(id, i);
            lineOf.put(requestId, i);
            byRequest.put(requestId, progress);
        }
        loaded.put(id, progress);
        // The batch's reply partition from its creation: outcomes that came before this instance looked, then the rest.
        dev.sluice.gateway.TopicTail tail = scanner.follow(id, Replies.partitionOf(id, replyPartitions),
                batch.path("created_at").asLong() * 1000 - 5_000, this::offer);
        following.put(id, tail);
        if (scan) {
            try {
                if (!tail.awaitCaughtUp(java.time.Duration.ofMinutes(2))) {
                    throw new IllegalStateException("could not read the replies of " + id + " within 2 min");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted reading the replies of " + id, e);
            }
        }
        return progress;
    }

    private record Parsed(String customId, String error, LlmRequest request) {}

    private Parsed parse(String batchId, String userId, int i, byte[] bytes) {
        String customId = "line-" + (i + 1);
        try {
            JsonNode line = Json.MAPPER.readTree(bytes);
            customId = line.path("custom_id").asText(customId);
            if (!"/v1/chat/completions".equals(line.path("url").asText()) || !"POST".equals(line.path("method").asText())) {
                return new Parsed(customId, "only POST /v1/chat/completions lines are supported", null);
            }
            ChatRequestParser.ChatCall call = parser.parse(line.get("body"), userId, BatchProgress.requestId(batchId, i),
                    Map.of(BATCH_METADATA, batchId), clock.instant());
            if (call.stream()) {
                return new Parsed(customId, "stream is not supported in a batch", null);
            }
            return new Parsed(customId, null, call.request());
        } catch (ApiError e) {
            return new Parsed(customId, e.getMessage(), null);
        } catch (java.io.IOException | RuntimeException e) {
            return new Parsed(customId, "line " + (i + 1) + " is not a valid request line (" + e.getClass().getSimpleName() + ")", null);
        }
    }

    private void publishFrom(String batchId, int from) {
        if (publishing.putIfAbsent(batchId, Boolean.TRUE) != null) {
            return;
        }
        executor.execute(() -> {
            try {
                publish(batchId, from);
            } catch (RuntimeException e) {
                log.warn("publishing batch {} stopped: {}; another instance will resume it", batchId, e.getClass().getSimpleName());
            } finally {
                publishing.remove(batchId);
            }
        });
    }

    private void publish(String batchId, int from) {
        ObjectNode batch = store.meta("batch:" + batchId).orElseThrow();
        ObjectNode file = store.meta("file:" + batch.path("input_file_id").asText()).orElseThrow();
        String userId = batch.path("user_id").asText();
        int[] line = {0};
        List<java.util.concurrent.CompletableFuture<?>> sends = new ArrayList<>();
        store.readFile(file, bytes -> {
            int i = line[0]++;
            if (i < from) {
                return;
            }
            if (i % MARK_EVERY == 0 && i > from) {
                sends.forEach(java.util.concurrent.CompletableFuture::join);
                sends.clear();
                if (!mark(batchId, i, false)) {
                    throw new CancelledException();
                }
            }
            Parsed parsed = parse(batchId, userId, i, bytes);
            if (parsed.request != null) {
                sends.add(publisher.publish(parsed.request, Replies.replyTo(Replies.partitionOf(batchId, replyPartitions))));
            }
        });
        sends.forEach(java.util.concurrent.CompletableFuture::join);
        mark(batchId, line[0], true);
    }

    /** Thrown to stop publishing a cancelled batch. */
    private static final class CancelledException extends RuntimeException {
        CancelledException() {
            super("cancelled", null, false, false);
        }
    }

    /** Leaves a progress marker; false if the batch was cancelled meanwhile. */
    private boolean mark(String batchId, int published, boolean done) {
        ObjectNode batch = store.meta("batch:" + batchId).orElseThrow();
        if (!batch.path("status").asText().equals("in_progress")) {
            return false;
        }
        batch.put("published_lines", published).put("published", done).put("marked_at_ms", clock.millis()).put("owner", instanceId)
                .put("version", batch.path("version").asLong() + 1);
        store.putMeta("batch:" + batchId, batch);
        return true;
    }

    private void resumeStalled() {
        try {
            for (Map.Entry<String, ObjectNode> e : store.allMeta().entrySet()) {
                ObjectNode b = e.getValue();
                if (e.getKey().startsWith("batch:") && b.path("status").asText().equals("in_progress") && !b.path("published").asBoolean()
                        && clock.millis() - b.path("marked_at_ms").asLong() > STALL.toMillis() && !publishing.containsKey(b.path("id").asText())) {
                    String id = b.path("id").asText();
                    int from = b.path("published_lines").asInt();
                    log.info("resuming batch {} from line {} (its publisher {} stopped marking)", id, from, b.path("owner").asText());
                    if (mark(id, from, false)) {
                        progress(b);
                        publishFrom(id, from);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("checking for stalled batches failed: {}", e.getClass().getSimpleName());
        }
    }

    public Optional<BatchProgress> loadedProgress(String batchId) {
        return Optional.ofNullable(loaded.get(batchId));
    }

    Map<String, Object> counts(BatchProgress p) {
        Map<String, Object> m = new HashMap<>();
        m.put("total", p.size());
        m.put("completed", p.completed());
        m.put("failed", p.settled() - p.completed());
        return m;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        following.values().forEach(dev.sluice.gateway.TopicTail::close);
    }
}
