package dev.sluice.enrichment;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;

/** Admitted requests for tests. */
public final class TestRequests {
    private TestRequests() {}

    public static AdmittedRequest admitted(String userId, String userText) {
        return admitted(userId, List.of(new ChatMessage(Role.SYSTEM, "You are a helpful assistant."),
                new ChatMessage(Role.USER, userText)));
    }

    public static AdmittedRequest admitted(String userId, List<ChatMessage> messages) {
        Instant now = Instant.ofEpochMilli(1_760_000_000_000L);
        LlmRequest request = LlmRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setUserId(userId)
                .setModel("gpt-4o-mini")
                .setMessages(messages)
                .setMaxOutputTokens(64)
                .setMetadata(Map.of())
                .setCreatedAt(now)
                .build();
        return AdmittedRequest.newBuilder().setRequest(request).setTier("FREE").setEstimatedInputTokens(100)
                .setReservedMicros(1000).setAdmittedAt(now).build();
    }
}
