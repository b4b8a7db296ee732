package dev.sluice.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.Role;
import dev.sluice.schema.UserPolicy;
import dev.sluice.schema.ApiKey;

/** One filled-in instance of every contract, for round-trip tests. */
final class SampleRecords {
    static final Instant NOW = Instant.parse("2026-11-23T10:15:30.123Z");

    private SampleRecords() {}

    static LlmRequest request() {
        return LlmRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setUserId("user-42")
                .setModel("gpt-4o-mini")
                .setMessages(List.of(new ChatMessage(Role.SYSTEM, "Be brief."), new ChatMessage(Role.USER, "Hello, Sluice ✓")))
                .setMaxOutputTokens(256)
                .setTemperature(0.2)
                .setMetadata(Map.of("tenant", "acme"))
                .setCreatedAt(NOW)
                .build();
    }

    static AdmittedRequest admitted() {
        return new AdmittedRequest(request(), "PRO", 42L, 1_234L, NOW);
    }

    static RejectedRequest rejected() {
        return RejectedRequest.newBuilder().setRequestId("not-a-uuid").setUserId("user-42").setModel("gpt-4o-mini")
                .setReason(RejectReason.RATE_LIMITED).setField(null).setRule("requests per minute 10")
                .setDetail("11th request within 60 s").setRetryAfterMs(12_000L)
                .setRequestCreatedAt(NOW).setRejectedAt(NOW).build();
    }

    static EnrichedRequest enriched() {
        return new EnrichedRequest(admitted(), "all-minilm-l6-v2", List.of(0.25f, -0.5f, 1.0f), EmbeddingSource.CACHE_HIT, NOW);
    }

    static GenerationResult result() {
        return GenerationResult.newBuilder().setRequestId(UUID.randomUUID().toString()).setUserId("user-42")
                .setModel("gpt-4o-mini").setProvider("simulated").setContent("Hi!").setFinishReason("stop")
                .setInputTokens(12).setOutputTokens(3).setCostMicros(4).setCacheHit(false).setAttempts(1)
                .setLatencyMs(210).setMetadata(Map.of("tenant", "acme")).setCompletedAt(NOW).build();
    }

    static CostEvent cost() {
        return CostEvent.newBuilder().setRequestId(UUID.randomUUID().toString()).setUserId("user-42")
                .setModel("gpt-4o-mini").setProvider("cache").setInputTokens(12).setOutputTokens(3)
                .setCostMicros(0).setSavedMicros(4).setReservedMicros(1_234).setCacheHit(true).setOccurredAt(NOW).build();
    }

    static ApiKey apiKey() {
        String hash = "3f9a2c1b4d5e" + "0".repeat(52);
        return ApiKey.newBuilder().setKeyHash(hash).setKeyId(hash.substring(0, 12)).setUserId("user-42").setLabel("billing app")
                .setCreatedAt(Instant.parse("2026-11-01T10:15:30Z")).setExpiresAt(Instant.parse("2026-12-01T10:15:30Z")).setRevokedAt(null).build();
    }

    static UserPolicy policy() {
        return UserPolicy.newBuilder().setUserId("user-42").setTier("STARTER").setRequestsPerMinute(20)
                .setRequestsPerDay(null).setTokensPerMinute(null).setDailyBudgetMicros(5_000_000L).setUpdatedAt(NOW).build();
    }
}
