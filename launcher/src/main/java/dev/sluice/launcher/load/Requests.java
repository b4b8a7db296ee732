package dev.sluice.launcher.load;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.schema.UserPolicy;

/** Builds the valid requests and user policies the load generator and the demo send. */
public final class Requests {
    /** The model load and demo requests use: in the shipped allowlist and served by the simulated provider. */
    public static final String DEFAULT_MODEL = "gpt-4o-mini";

    private Requests() {}

    /** A one-message request with a fresh UUID. */
    public static LlmRequest request(String userId, String model, String prompt, int maxOutputTokens, Instant createdAt) {
        return LlmRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setUserId(userId)
                .setModel(model)
                .setMessages(List.of(ChatMessage.newBuilder().setRole(Role.USER).setContent(prompt).build()))
                .setMaxOutputTokens(maxOutputTokens)
                .setTemperature(null)
                .setMetadata(Map.of("source", "sluice-load"))
                .setCreatedAt(createdAt)
                .build();
    }

    /** A policy with explicit limits; a null limit falls back to the tier's. */
    public static UserPolicy policy(String userId, String tier, Integer perMinute, Integer perDay, Long tokensPerMinute,
                                    Long dailyBudgetMicros, Instant at) {
        return UserPolicy.newBuilder()
                .setUserId(userId)
                .setTier(tier)
                .setRequestsPerMinute(perMinute)
                .setRequestsPerDay(perDay)
                .setTokensPerMinute(tokensPerMinute)
                .setDailyBudgetMicros(dailyBudgetMicros)
                .setUpdatedAt(at)
                .build();
    }

    /** A policy that never limits: load tests measure the pipeline, not the tiers. */
    public static UserPolicy unlimited(String userId, Instant at) {
        return policy(userId, "PRO", 1_000_000_000, 1_000_000_000, 1_000_000_000_000L, 1_000_000_000_000L, at);
    }
}
