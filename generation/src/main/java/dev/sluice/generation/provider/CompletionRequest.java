package dev.sluice.generation.provider;

import java.util.List;
import java.util.Objects;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;

/**
 * What a provider is asked: the model, the conversation, the output bound and the temperature (null means the
 * provider default). The request id travels along for logs and the simulated provider only; it is never sent.
 */
public record CompletionRequest(String requestId, String model, List<ChatTurn> messages, int maxOutputTokens, Double temperature) {
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
                request.getTemperature());
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
