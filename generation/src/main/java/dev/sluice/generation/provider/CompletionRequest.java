package dev.sluice.generation.provider;

import java.util.List;
import java.util.Objects;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;

/**
 * What a provider is asked: the model, the conversation, the output bound and the temperature (null means the
 * provider default). The request id travels along for logs and the simulated provider only. The idempotency key
 * (derived from userId and requestId, nothing readable) is sent where the provider API accepts one, so a provider
 * that saw the request already can answer without running it again; null means none.
 */
public record CompletionRequest(String requestId, String model, List<ChatTurn> messages, int maxOutputTokens, Double temperature,
                                String idempotencyKey) {
    public CompletionRequest {
        Objects.requireNonNull(model, "model");
        messages = List.copyOf(messages);
    }

    /** The provider view of an Avro request. */
    public static CompletionRequest of(LlmRequest request) {
        List<ChatTurn> turns = request.getMessages().stream()
                .map(m -> new ChatTurn(roleOf(m), m.getContent()))
                .toList();
        return new CompletionRequest(request.getRequestId(), request.getModel(), turns, request.getMaxOutputTokens(),
                request.getTemperature(), idempotencyKey(request.getUserId(), request.getRequestId()));
    }

    public CompletionRequest(String requestId, String model, List<ChatTurn> messages, int maxOutputTokens, Double temperature) {
        this(requestId, model, messages, maxOutputTokens, temperature, null);
    }

    /** {@code sluice-} + hex SHA-256 of the request key: stable across retries, replays and instances. */
    public static String idempotencyKey(String userId, String requestId) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                    (userId.length() + ":" + userId + ":" + requestId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sluice-" + java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Every message text: what {@link dev.sluice.common.Sanitizer} must remove from anything we write. */
    public List<String> promptTexts() {
        return messages.stream().map(ChatTurn::content).toList();
    }

    private static String roleOf(ChatMessage message) {
        return switch (message.getRole()) {
            case SYSTEM -> "system";
            case ASSISTANT -> "assistant";
            default -> "user";
        };
    }
}
