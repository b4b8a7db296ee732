package dev.sluice.gateway.http;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.common.ModelCatalog;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;

/**
 * Turns an OpenAI chat-completions body into an {@link LlmRequest} of the key's user, or an {@link ApiError}
 * naming the field. Only what the pipeline can honour is accepted: features it would silently drop (tools,
 * {@code n > 1}, non-text content) are refused rather than ignored. Unknown fields are ignored, as OpenAI does.
 */
public final class ChatRequestParser {
    /** OpenAI's own metadata bounds. */
    static final int MAX_METADATA_ENTRIES = 16;
    static final int MAX_METADATA_KEY = 64;
    static final int MAX_METADATA_VALUE = 512;

    private final ModelCatalog models;
    private final int defaultMaxOutputTokens;

    public ChatRequestParser(ModelCatalog models, int defaultMaxOutputTokens) {
        this.models = models;
        this.defaultMaxOutputTokens = defaultMaxOutputTokens;
    }

    /** A parsed call: the request to publish and how to answer. */
    public record ChatCall(LlmRequest request, boolean stream, boolean includeUsage) {}

    public ChatCall parse(JsonNode body, String userId, String requestId, Map<String, String> extraMetadata, Instant now) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "the body must be a JSON object");
        }
        String model = text(body, "model");
        if (!models.allows(model)) {
            throw ApiError.of(404, "invalid_request_error", "model_not_found", "model",
                    "the model '" + shorten(model) + "' does not exist or is not allowed; GET /v1/models lists the allowed ones", Map.of());
        }
        for (String unsupported : List.of("tools", "functions", "tool_choice", "function_call", "audio", "response_format")) {
            if (body.hasNonNull(unsupported)) {
                throw ApiError.invalid(unsupported, "'" + unsupported + "' is not supported by this gateway");
            }
        }
        if (body.has("n") && !(body.get("n").canConvertToInt() && body.get("n").asInt() == 1)) {
            throw ApiError.invalid("n", "only n=1 is supported");
        }
        Map<String, String> metadata = metadata(body.get("metadata"));
        metadata.putAll(extraMetadata);
        LlmRequest request = LlmRequest.newBuilder()
                .setRequestId(requestId).setUserId(userId).setModel(model)
                .setMessages(messages(body.get("messages")))
                .setMaxOutputTokens(maxTokens(body))
                .setTemperature(temperature(body.get("temperature")))
                .setMetadata(metadata)
                .setCreatedAt(now)
                .build();
        boolean stream = bool(body, "stream");
        JsonNode options = body.get("stream_options");
        boolean includeUsage = options != null && options.isObject() && options.path("include_usage").asBoolean(false);
        return new ChatCall(request, stream, includeUsage);
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw ApiError.invalid(field, "'" + field + "' is required and must be a non-empty string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiError.invalid(field, "'" + field + "' must be true or false");
        }
        return v.asBoolean();
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiError.invalid("messages", "'messages' is required and must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String field = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiError.invalid(field, field + " must be an object with 'role' and 'content'");
            }
            out.add(new ChatMessage(role(m.get("role"), field + ".role"), content(m.get("content"), field + ".content")));
        }
        return out;
    }

    private static Role role(JsonNode node, String field) {
        String role = node == null || !node.isTextual() ? "" : node.asText().toLowerCase(Locale.ROOT);
        return switch (role) {
            case "system", "developer" -> Role.SYSTEM;
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            default -> throw ApiError.invalid(field, field + " must be one of system, developer, user, assistant");
        };
    }

    /** A string, or an array of {@code {"type":"text","text":…}} parts joined with newlines. */
    private static String content(JsonNode node, String field) {
        if (node != null && node.isTextual()) {
            return node.asText();
        }
        if (node != null && node.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < node.size(); i++) {
                JsonNode part = node.get(i);
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid(field + "[" + i + "]", "only text content parts are supported");
                }
                text.append(i == 0 ? "" : "\n").append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.invalid(field, field + " must be a string or an array of text parts");
    }

    private int maxTokens(JsonNode body) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull()) {
                if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
                    throw ApiError.invalid(field, "'" + field + "' must be a positive integer");
                }
                return v.asInt();
            }
        }
        return defaultMaxOutputTokens;
    }

    private static Double temperature(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 2) {
            throw ApiError.invalid("temperature", "'temperature' must be a number between 0 and 2");
        }
        return v.asDouble();
    }

    private static Map<String, String> metadata(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject() || node.size() > MAX_METADATA_ENTRIES) {
            throw ApiError.invalid("metadata", "'metadata' must be an object of at most " + MAX_METADATA_ENTRIES + " string values");
        }
        node.properties().forEach(e -> {
            if (e.getKey().length() > MAX_METADATA_KEY || !e.getValue().isTextual() || e.getValue().asText().length() > MAX_METADATA_VALUE
                    || e.getKey().startsWith("sluice.")) {
                throw ApiError.invalid("metadata." + shorten(e.getKey()), "metadata keys are at most " + MAX_METADATA_KEY
                        + " characters and not under 'sluice.', values strings of at most " + MAX_METADATA_VALUE);
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    public static String shorten(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
