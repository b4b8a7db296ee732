package dev.sluice.ingest.rules;

import java.util.HashMap;
import java.util.Map;

import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.TierLimits;
import dev.sluice.schema.UserPolicy;

/**
 * Resolves a user's limits: the tier named by its policy (or {@code default.tier} without a policy, or when
 * the policy names a tier that is not configured), with the policy's non-null overrides on top.
 */
public final class Policies {
    private final IngestConfig config;
    // one per tier, for the users that override nothing (most): a cache of resolved limits holds no copy of its own
    private final Map<String, Resolved> tierOnly = new HashMap<>();

    public Policies(IngestConfig config) {
        this.config = config;
        config.tiers().forEach((tier, limits) -> tierOnly.put(tier, new Resolved(tier, limits)));
    }

    /** A tier name and the limits in force. */
    public record Resolved(String tier, TierLimits limits) {}

    public Resolved resolve(UserPolicy policy) {
        String defaultTier = config.defaultTier();
        if (policy == null) {
            return tierOnly.get(defaultTier);
        }
        String tier = config.tiers().containsKey(policy.getTier()) ? policy.getTier() : defaultTier;
        TierLimits base = config.tiers().get(tier);
        if (policy.getRequestsPerMinute() == null && policy.getRequestsPerDay() == null && policy.getTokensPerMinute() == null
                && policy.getDailyBudgetMicros() == null) {
            return tierOnly.get(tier);
        }
        return new Resolved(tier, new TierLimits(
                policy.getRequestsPerMinute() != null ? Math.max(0, policy.getRequestsPerMinute()) : base.requestsPerMinute(),
                policy.getRequestsPerDay() != null ? Math.max(0, policy.getRequestsPerDay()) : base.requestsPerDay(),
                policy.getTokensPerMinute() != null ? Math.max(0, policy.getTokensPerMinute()) : base.tokensPerMinute(),
                policy.getDailyBudgetMicros() != null ? Math.max(0, policy.getDailyBudgetMicros()) : base.dailyBudgetMicros()));
    }
}
