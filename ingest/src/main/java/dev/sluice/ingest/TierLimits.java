package dev.sluice.ingest;

/**
 * The limits that apply to one user: a tier's configured limits with the user's policy overrides on top.
 *
 * @param requestsPerMinute  admitted requests in any sliding 60 s window
 * @param requestsPerDay     admitted requests per UTC day
 * @param tokensPerMinute    estimated tokens (input bound + maxOutputTokens) admitted in any sliding 60 s window
 * @param dailyBudgetMicros  money per UTC day, micro-dollars: spent + reserved never exceeds it
 */
public record TierLimits(int requestsPerMinute, int requestsPerDay, long tokensPerMinute, long dailyBudgetMicros) {
    public TierLimits {
        if (requestsPerMinute < 0 || requestsPerDay < 0 || tokensPerMinute < 0 || dailyBudgetMicros < 0) {
            throw new IllegalArgumentException("limits must not be negative: " + requestsPerMinute + "/min, "
                    + requestsPerDay + "/day, " + tokensPerMinute + " tokens/min, " + dailyBudgetMicros + " micros/day");
        }
    }
}
