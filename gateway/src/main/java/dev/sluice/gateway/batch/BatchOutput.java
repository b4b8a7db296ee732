package dev.sluice.gateway.batch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.http.Completions;
import dev.sluice.gateway.http.Json;
import dev.sluice.gateway.http.OutcomeReplies;
import dev.sluice.gateway.http.Reply;
import dev.sluice.gateway.outcome.Outcome;

/**
 * A batch's output and error files, derived from its progress (OpenAI's line shape: {@code id}, {@code custom_id},
 * {@code response{status_code, request_id, body}}, {@code error}), and the batch object itself. Output file ids are
 * {@code file-out-<batch>} / {@code file-err-<batch>}: nothing is stored for them, they are views.
 */
final class BatchOutput {
    enum Kind { OUTPUT, ERRORS }

    private static final String OUT = "file-out-";
    private static final String ERR = "file-err-";

    private BatchOutput() {}

    static Kind kindOf(String fileId) {
        return fileId.startsWith(OUT) ? Kind.OUTPUT : fileId.startsWith(ERR) ? Kind.ERRORS : null;
    }

    static String batchIdOf(String fileId) {
        return fileId.substring(OUT.length());
    }

    /** Writes the file line by line to {@code out} (streamed to the client: never built whole in memory). */
    static void write(ObjectNode batch, BatchProgress p, Kind kind, OutputStream out) throws IOException {
        boolean cancelled = batch.path("status").asText().equals("cancelled");
        boolean expired = batch.path("status").asText().equals("expired");
        for (int i = 0; i < p.size(); i++) {
            Outcome o = p.outcome(i);
            String requestId = BatchProgress.requestId(p.batchId, i);
            ObjectNode line = Json.object().put("id", "batch_req_" + requestId.replace("-", "")).put("custom_id", p.customIds[i]);
            if (o instanceof Outcome.Completed c) {
                if (kind != Kind.OUTPUT) {
                    continue;
                }
                ObjectNode response = Json.object().put("status_code", 200).put("request_id", requestId);
                response.set("body", Completions.completion(c.result()));
                line.set("response", response);
                line.putNull("error");
            } else if (kind != Kind.ERRORS) {
                continue;
            } else if (o != null) {
                Reply reply = OutcomeReplies.reply(o, false);
                ObjectNode response = Json.object().put("status_code", reply.status()).put("request_id", requestId);
                try {
                    response.set("body", Json.MAPPER.readTree(reply.body()));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("unreadable error body", e);
                }
                line.set("response", response);
                line.putNull("error");
            } else if (p.invalid[i] != null || cancelled || expired) {
                line.putNull("response");
                line.set("error", Json.object().put("code", p.invalid[i] != null ? "invalid_request" : cancelled ? "batch_cancelled" : "batch_expired")
                        .put("message", p.invalid[i] != null ? p.invalid[i] : cancelled ? "the batch was cancelled before this line was sent"
                                : "the batch expired (24 h completion window) before this line was answered"));
            } else {
                continue; // still pending
            }
            out.write(Json.write(line).getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
    }

    static ObjectNode view(ObjectNode batch, BatchProgress p, Map<String, Object> counts) {
        String id = batch.path("id").asText();
        String status = batch.path("status").asText();
        ObjectNode view = Json.object().put("id", id).put("object", "batch").put("endpoint", batch.path("endpoint").asText())
                .put("input_file_id", batch.path("input_file_id").asText()).put("completion_window", "24h").put("status", status)
                .put("created_at", batch.path("created_at").asLong()).put("in_progress_at", batch.path("created_at").asLong())
                .put("expires_at", batch.path("created_at").asLong() + 24 * 3600);
        view.putNull("errors");
        boolean done = List.of("completed", "cancelled", "expired").contains(status);
        view.put("output_file_id", done && p.completed() > 0 ? OUT + id : null);
        view.put("error_file_id", done && p.settled() - p.completed() > 0
                || List.of("cancelled", "expired").contains(status) && p.completed() < p.size() ? ERR + id : null);
        for (String at : List.of("completed_at", "cancelling_at", "cancelled_at", "expired_at")) {
            if (batch.has(at)) {
                view.put(at, batch.path(at).asLong());
            }
        }
        ObjectNode requestCounts = view.putObject("request_counts");
        counts.forEach((k, v) -> requestCounts.put(k, ((Number) v).intValue()));
        if (batch.has("metadata")) {
            view.set("metadata", batch.get("metadata"));
        }
        return view;
    }
}
