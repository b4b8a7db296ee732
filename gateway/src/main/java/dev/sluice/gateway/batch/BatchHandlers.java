package dev.sluice.gateway.batch;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.http.ApiError;
import dev.sluice.gateway.http.Authenticator;
import dev.sluice.gateway.http.HttpCall;
import dev.sluice.gateway.http.Json;
import dev.sluice.gateway.http.Reply;
import dev.sluice.gateway.keys.Principal;
import org.apache.kafka.clients.producer.RecordMetadata;

/** The OpenAI Batch API over {@link BatchService}: files in, batches run, output and error files out. */
public final class BatchHandlers {
    /** OpenAI's own limit of requests per batch. */
    static final int MAX_LINES = 50_000;

    private final Authenticator auth;
    private final BatchService batches;
    private final int maxLineBytes;
    private final Clock clock;

    public BatchHandlers(Authenticator auth, BatchService batches, int maxLineBytes, Clock clock) {
        this.auth = auth;
        this.batches = batches;
        this.maxLineBytes = maxLineBytes;
        this.clock = clock;
    }

    /** {@code POST /v1/files}: streams the JSONL lines into the files topic, checking each line's shape and custom_id. */
    public CompletableFuture<Reply> upload(HttpCall call) throws Exception {
        Principal principal = auth.require(call);
        String fileId = "file-" + UUID.randomUUID().toString().replace("-", "");
        Set<String> customIds = new HashSet<>();
        // Only the first and the last line's positions are kept: together they locate the whole file.
        List<Future<RecordMetadata>> ends = new ArrayList<>(2);
        int[] lines = {0};
        Map<String, String> fields = new MultipartLines(call.bodyStream(), call.contentType(), maxLineBytes).read(line -> {
            int n = ++lines[0];
            if (n > MAX_LINES) {
                throw ApiError.invalid("file", "a batch file holds at most " + MAX_LINES + " lines");
            }
            String customId = customId(line, n);
            if (!customIds.add(customId)) {
                throw ApiError.invalid("file", "line " + n + ": custom_id '" + customId + "' is not unique in the file");
            }
            Future<RecordMetadata> sent = batches.store().appendLine(fileId, line);
            if (ends.size() < 2) {
                ends.add(sent);
            } else {
                ends.set(1, sent);
            }
        });
        if (!"batch".equals(fields.get("purpose"))) {
            throw ApiError.invalid("purpose", "only purpose=batch is supported");
        }
        if (lines[0] == 0) {
            throw ApiError.invalid("file", "the file has no lines");
        }
        batches.store().flush();
        RecordMetadata first = ends.get(0).get();
        RecordMetadata last = ends.get(ends.size() - 1).get();
        ObjectNode file = Json.object().put("id", fileId).put("object", "file").put("bytes", Long.parseLong(fields.get("bytes")))
                .put("created_at", clock.instant().getEpochSecond()).put("filename", fields.getOrDefault("filename", "batch.jsonl"))
                .put("purpose", "batch").put("status", "processed").put("user_id", principal.userId()).put("lines", lines[0])
                .put("partition", first.partition()).put("first_offset", first.offset()).put("last_offset", last.offset()).put("version", 1);
        batches.store().putMeta("file:" + fileId, file);
        return done(Reply.json(200, publicFile(file)));
    }

    private static String customId(byte[] line, int n) {
        try {
            JsonNode node = Json.MAPPER.readTree(line);
            if (!node.isObject() || !node.path("custom_id").isTextual() || !node.path("body").isObject()) {
                throw ApiError.invalid("file", "line " + n + " must be an object with a string custom_id, method, url and an object body");
            }
            return node.get("custom_id").asText();
        } catch (IOException e) {
            throw ApiError.invalid("file", "line " + n + " is not valid JSON");
        }
    }

    /** {@code POST /v1/batches}. */
    public CompletableFuture<Reply> create(HttpCall call) {
        Principal principal = auth.require(call);
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(call.body());
        } catch (IOException e) {
            throw ApiError.invalid(null, "the body is not valid JSON");
        }
        if (!body.path("input_file_id").isTextual()) {
            throw ApiError.invalid("input_file_id", "'input_file_id' is required");
        }
        if (!"/v1/chat/completions".equals(body.path("endpoint").asText())) {
            throw ApiError.invalid("endpoint", "only /v1/chat/completions is supported");
        }
        if (!"24h".equals(body.path("completion_window").asText("24h"))) {
            throw ApiError.invalid("completion_window", "only 24h is supported");
        }
        ObjectNode batch = batches.create(principal.userId(), body.get("input_file_id").asText(), body.get("metadata"));
        return done(Reply.json(200, view(batch)));
    }

    /** {@code GET /v1/batches/{id}}. */
    public CompletableFuture<Reply> get(HttpCall call) {
        Principal principal = auth.require(call);
        return done(Reply.json(200, view(batches.batch(principal.userId(), call.pathParam(1)))));
    }

    /** {@code GET /v1/batches}: the caller's batches, newest first ({@code limit}, default 20, at most 100). */
    public CompletableFuture<Reply> list(HttpCall call) {
        Principal principal = auth.require(call);
        int limit;
        try {
            limit = Math.max(1, Math.min(100, Integer.parseInt(call.query("limit").orElse("20"))));
        } catch (NumberFormatException e) {
            throw ApiError.invalid("limit", "limit must be a number between 1 and 100");
        }
        List<ObjectNode> mine = batches.store().allMeta().entrySet().stream()
                .filter(e -> e.getKey().startsWith("batch:") && e.getValue().path("user_id").asText().equals(principal.userId()))
                .map(e -> e.getValue().deepCopy())
                .sorted((a, b) -> Long.compare(b.path("created_at").asLong(), a.path("created_at").asLong()))
                .toList();
        ObjectNode body = Json.object().put("object", "list");
        com.fasterxml.jackson.databind.node.ArrayNode data = body.putArray("data");
        mine.stream().limit(limit).forEach(b -> data.add(view(b)));
        body.put("has_more", mine.size() > limit);
        return done(Reply.json(200, body));
    }

    /** {@code POST /v1/batches/{id}/cancel}. */
    public CompletableFuture<Reply> cancel(HttpCall call) {
        Principal principal = auth.require(call);
        return done(Reply.json(200, view(batches.cancel(principal.userId(), call.pathParam(1)))));
    }

    /** {@code GET /v1/files/{id}}. */
    public CompletableFuture<Reply> file(HttpCall call) {
        Principal principal = auth.require(call);
        String id = call.pathParam(1);
        BatchOutput.Kind kind = BatchOutput.kindOf(id);
        if (kind != null) {
            ObjectNode batch = batches.batch(principal.userId(), BatchOutput.batchIdOf(id));
            return done(Reply.json(200, Json.object().put("id", id).put("object", "file").put("bytes", 0)
                    .put("created_at", batch.path("created_at").asLong()).put("filename", id + ".jsonl").put("purpose", "batch_output")
                    .put("status", "processed")));
        }
        return done(Reply.json(200, publicFile(ownFile(principal, id))));
    }

    /** {@code GET /v1/files/{id}/content}: an uploaded file, or a batch's output or error file. */
    public CompletableFuture<Reply> content(HttpCall call) {
        Principal principal = auth.require(call);
        String id = call.pathParam(1);
        BatchOutput.Kind kind = BatchOutput.kindOf(id);
        Map<String, String> jsonl = Map.of("Content-Type", "application/jsonl");
        if (kind != null) {
            ObjectNode batch = batches.batch(principal.userId(), BatchOutput.batchIdOf(id));
            BatchProgress progress = batches.progress(batch);
            return done(Reply.streamed(200, jsonl, out -> BatchOutput.write(batch, progress, kind, out)));
        }
        ObjectNode file = ownFile(principal, id);
        return done(Reply.streamed(200, jsonl, out -> batches.store().readFile(file, line -> {
            try {
                out.write(line);
                out.write('\n');
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })));
    }

    private ObjectNode ownFile(Principal principal, String id) {
        return batches.store().meta("file:" + id).filter(f -> f.path("user_id").asText().equals(principal.userId()))
                .orElseThrow(() -> ApiError.notFound("no file " + dev.sluice.gateway.http.ChatRequestParser.shorten(id) + " for this key's user"));
    }

    /** The batch in OpenAI's shape, its status brought up to date from its progress. */
    private ObjectNode view(ObjectNode batch) {
        BatchProgress p = batches.progress(batch);
        String status = batch.path("status").asText();
        int settled = p.settled();
        if (status.equals("in_progress") && batch.path("published").asBoolean() && settled == p.size()) {
            batches.finish(batch, "completed");
        } else if (status.equals("in_progress") && clock.instant().getEpochSecond() >= batch.path("created_at").asLong() + BatchService.WINDOW.toSeconds()) {
            // OpenAI's 24 h completion window: lines not answered by then are not sent any more (the publisher stops
            // at its next marker) and appear in the error file as batch_expired; answered lines stay in the output.
            batches.finish(batch, "expired");
        } else if (status.equals("cancelling") && settled >= batch.path("published_lines").asInt()) {
            batches.finish(batch, "cancelled");
        }
        return BatchOutput.view(batch, p, batches.counts(p));
    }

    private static ObjectNode publicFile(ObjectNode file) {
        ObjectNode out = file.deepCopy();
        out.remove(List.of("user_id", "lines", "partition", "first_offset", "last_offset", "version"));
        return out;
    }

    private static CompletableFuture<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
