package dev.sluice.generation;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;

/** Test requests. */
public final class Requests {
    public static final long RESERVED_MICROS = 5_000;

    private Requests() {}

    public static EnrichedRequest enriched(String requestId, String userId, String model, String prompt) {
        LlmRequest request = LlmRequest.newBuilder()
                .setRequestId(requestId)
                .setUserId(userId)
                .setModel(model)
                .setMessages(List.of(new ChatMessage(Role.SYSTEM, "You are terse."), new ChatMessage(Role.USER, prompt)))
                .setMaxOutputTokens(128)
                .setTemperature(null)
                .setMetadata(Map.of("feature", "test"))
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .build();
        AdmittedRequest admitted = AdmittedRequest.newBuilder()
                .setRequest(request)
                .setTier("FREE")
                .setEstimatedInputTokens(100)
                .setReservedMicros(RESERVED_MICROS)
                .setAdmittedAt(Instant.ofEpochMilli(1_700_000_000_100L))
                .build();
        return EnrichedRequest.newBuilder()
                .setAdmitted(admitted)
                .setEmbeddingModel("all-minilm-l6-v2")
                .setEmbedding(List.of())
                .setEmbeddingSource(EmbeddingSource.SKIPPED)
                .setEnrichedAt(Instant.ofEpochMilli(1_700_000_000_200L))
                .build();
    }
}
