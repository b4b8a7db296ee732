package dev.sluice.generation.resilience;

import java.time.Duration;

import dev.sluice.generation.GenerationConfig;

/**
 * The resilience policies of provider calls (built by {@link GenerationConfig}; see it
 * for keys and defaults). Breaker, retry, time limiter and bulkhead are per provider+model; the rate limiter is
 * provider-wide.
 *
 * @param maxAttempts            provider attempts per request, first call included (retries = maxAttempts - 1)
 * @param initialBackoff         wait before the first retry; doubles per retry
 * @param maxBackoff             cap of the exponential backoff
 * @param jitter                 backoff is multiplied by a random factor in [1 - jitter, 1 + jitter]
 * @param maxRetryAfter          cap of a provider's Retry-After we honour
 * @param breakerFailures        the breaker judges the last this-many calls, and needs at least this many
 * @param breakerFailureRate     percentage of failures among them that opens the breaker (100 = all)
 * @param breakerOpen            how long an open breaker rejects calls before letting probes through
 * @param breakerHalfOpenCalls   probe calls let through while half-open
 * @param breakerWaitDeadline    how long a request waits for an open breaker before it is dead-lettered
 * @param breakerPoll            how often a waiting request asks the breaker again
 * @param timeout                time limit of one provider attempt
 * @param bulkheadMaxCalls       concurrent calls per provider+model
 * @param rateLimitPerSecond     provider-wide calls per second
 */
public record ResilienceSettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter,
                                 Duration maxRetryAfter, int breakerFailures, float breakerFailureRate,
                                 Duration breakerOpen, int breakerHalfOpenCalls, Duration breakerWaitDeadline,
                                 Duration breakerPoll, Duration timeout, int bulkheadMaxCalls, int rateLimitPerSecond) {
    public ResilienceSettings {
        if (maxAttempts < 1 || breakerFailures < 1 || breakerHalfOpenCalls < 1 || bulkheadMaxCalls < 1 || rateLimitPerSecond < 1) {
            throw new IllegalArgumentException("attempts, breaker failures, half-open calls, bulkhead and rate limit must be at least 1");
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    /** The shipped defaults: {@link GenerationConfig}'s {@code DEFAULT_*} constants (the bulkhead at the default in-flight limit). */
    public static ResilienceSettings defaults() {
        Duration open = Duration.ofMillis(GenerationConfig.DEFAULT_BREAKER_OPEN_MS);
        return new ResilienceSettings(GenerationConfig.DEFAULT_RETRY_MAX_ATTEMPTS,
                Duration.ofMillis(GenerationConfig.DEFAULT_RETRY_INITIAL_BACKOFF_MS),
                Duration.ofMillis(GenerationConfig.DEFAULT_RETRY_MAX_BACKOFF_MS), GenerationConfig.DEFAULT_RETRY_JITTER,
                Duration.ofMillis(GenerationConfig.DEFAULT_RETRY_MAX_RETRY_AFTER_MS), GenerationConfig.DEFAULT_BREAKER_FAILURES,
                (float) GenerationConfig.DEFAULT_BREAKER_FAILURE_RATE_PERCENT, open, GenerationConfig.DEFAULT_BREAKER_HALF_OPEN_CALLS,
                Duration.ofMillis(GenerationConfig.DEFAULT_BREAKER_WAIT_DEADLINE_MS), GenerationConfig.breakerPoll(open),
                Duration.ofMillis(GenerationConfig.DEFAULT_TIMEOUT_MS), GenerationConfig.DEFAULT_MAX_IN_FLIGHT,
                GenerationConfig.DEFAULT_RATE_LIMIT_PER_SECOND);
    }

    public ResilienceSettings withBreaker(int failures, Duration open, int halfOpenCalls, Duration waitDeadline, Duration poll) {
        return new ResilienceSettings(maxAttempts, initialBackoff, maxBackoff, jitter, maxRetryAfter, failures,
                breakerFailureRate, open, halfOpenCalls, waitDeadline, poll, timeout, bulkheadMaxCalls, rateLimitPerSecond);
    }

    public ResilienceSettings withRetry(int attempts, Duration initial, Duration max, double jitterFactor) {
        return new ResilienceSettings(attempts, initial, max, jitterFactor, maxRetryAfter, breakerFailures,
                breakerFailureRate, breakerOpen, breakerHalfOpenCalls, breakerWaitDeadline, breakerPoll, timeout,
                bulkheadMaxCalls, rateLimitPerSecond);
    }

    public ResilienceSettings withTimeout(Duration limit) {
        return new ResilienceSettings(maxAttempts, initialBackoff, maxBackoff, jitter, maxRetryAfter, breakerFailures,
                breakerFailureRate, breakerOpen, breakerHalfOpenCalls, breakerWaitDeadline, breakerPoll, limit,
                bulkheadMaxCalls, rateLimitPerSecond);
    }
}
