package dev.sluice.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.schema.GenerationResult;

/**
 * A result in OpenAI's shapes: a {@code chat.completion} object, or the same answer as server-sent
 * {@code chat.completion.chunk} events. The pipeline completes a request before the gateway hears of it, so the
 * stream carries the whole text in one content chunk, then the finish reason, then usage, then {@code [DONE]}.
 */
public final class Completions {
    private Completions() {}

    public static String id(String requestId) {
        return "chatcmpl-" + requestId;
    }

    public static ObjectNode completion(GenerationResult r) {
        ObjectNode body = head(r, "chat.completion");
        ObjectNode message = Json.object().put("role", "assistant").put("content", r.getContent());
        message.putNull("refusal");
        ObjectNode choice = Json.object().put("index", 0);
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(r.getFinishReason()));
        body.putArray("choices").add(choice);
        body.set("usage", usage(r));
        return body;
    }

    /** Headers every successful answer carries: the request id and what Sluice knows about the call. */
    public static Map<String, String> headers(GenerationResult r) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-request-id", r.getRequestId());
        h.put("x-sluice-cache", r.getCacheHit() ? "hit" : "miss");
        h.put("x-sluice-cost-micros", Long.toString(r.getCostMicros()));
        return h;
    }

    public static Reply reply(GenerationResult r) {
        Reply reply = Reply.json(200, completion(r));
        for (Map.Entry<String, String> e : headers(r).entrySet()) {
            reply = reply.withHeader(e.getKey(), e.getValue());
        }
        return reply;
    }

    /** The whole SSE body of a completed result. */
    public static Reply stream(GenerationResult r) {
        StringBuilder sse = new StringBuilder();
        ObjectNode content = chunk(r);
        ObjectNode delta = Json.object().put("role", "assistant").put("content", r.getContent());
        ((ObjectNode) content.withArray("choices").get(0)).set("delta", delta);
        event(sse, content);
        ObjectNode finish = chunk(r);
        ((ObjectNode) finish.withArray("choices").get(0)).put("finish_reason", finishReason(r.getFinishReason()));
        event(sse, finish);
        ObjectNode usage = head(r, "chat.completion.chunk");
        usage.putArray("choices");
        usage.set("usage", usage(r));
        event(sse, usage);
        sse.append("data: [DONE]\n\n");
        Map<String, String> headers = new LinkedHashMap<>(headers(r));
        headers.put("Content-Type", "text/event-stream");
        headers.put("Cache-Control", "no-cache");
        return new Reply(200, headers, sse.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode chunk(GenerationResult r) {
        ObjectNode body = head(r, "chat.completion.chunk");
        ObjectNode choice = Json.object().put("index", 0);
        choice.set("delta", Json.object());
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        ArrayNode choices = body.putArray("choices");
        choices.add(choice);
        return body;
    }

    private static void event(StringBuilder sse, ObjectNode data) {
        sse.append("data: ").append(Json.write(data)).append("\n\n");
    }

    private static ObjectNode head(GenerationResult r, String object) {
        ObjectNode body = Json.object();
        body.put("id", id(r.getRequestId()));
        body.put("object", object);
        body.put("created", r.getCompletedAt().getEpochSecond());
        body.put("model", r.getModel());
        body.putNull("system_fingerprint");
        return body;
    }

    static ObjectNode usage(GenerationResult r) {
        return Json.object().put("prompt_tokens", r.getInputTokens()).put("completion_tokens", r.getOutputTokens())
                .put("total_tokens", r.getInputTokens() + r.getOutputTokens());
    }

    /** OpenAI's finish reasons; the pipeline's {@code other} has no OpenAI equivalent and reads as {@code stop}. */
    static String finishReason(String normalised) {
        return switch (normalised) {
            case "length", "content_filter" -> normalised;
            default -> "stop";
        };
    }
}
