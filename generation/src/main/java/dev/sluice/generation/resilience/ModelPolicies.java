package dev.sluice.generation.resilience;

import java.time.Clock;
import java.time.Duration;
import java.util.function.BiFunction;

import dev.sluice.generation.provider.Completion;
import dev.sluice.generation.provider.ProviderException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;

/** The breaker, retry, time limiter and bulkhead of one provider+model, named {@code <provider>.<model>}. */
record ModelPolicies(CircuitBreaker breaker, Retry retry, TimeLimiter timeLimiter, Bulkhead bulkhead) {

    static ModelPolicies create(String provider, String model, ResilienceSettings s, Clock clock,
                                BiFunction<Integer, Throwable, Long> interval) {
        String name = provider + "." + model;
        CircuitBreaker breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindow(s.breakerFailures(), s.breakerFailures(), CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(s.breakerFailureRate())
                .waitDurationInOpenState(s.breakerOpen())
                .permittedNumberOfCallsInHalfOpenState(s.breakerHalfOpenCalls())
                // Only failures that say something about the provider's health count; a 400 is the request's fault.
                .recordException(t -> ProviderException.find(t).map(pe -> pe.errorClass().countsForBreaker()).orElse(true))
                .ignoreException(t -> ProviderException.find(t).map(pe -> !pe.errorClass().countsForBreaker()).orElse(false))
                .clock(clock)
                .build());
        IntervalBiFunction<Completion> backoff = (attempt, either) ->
                either.isLeft() ? interval.apply(attempt, either.getLeft()) : s.initialBackoff().toMillis();
        Retry retry = Retry.of(name, RetryConfig.<Completion>custom()
                .maxAttempts(s.maxAttempts())
                .retryOnException(t -> ProviderException.find(t).map(pe -> pe.errorClass().retriable()).orElse(false))
                .intervalBiFunction(backoff)
                .failAfterMaxAttempts(false)
                .build());
        TimeLimiter limiter = TimeLimiter.of(name, TimeLimiterConfig.custom()
                .timeoutDuration(s.timeout())
                .cancelRunningFuture(true)
                .build());
        Bulkhead bulkhead = Bulkhead.of(name, BulkheadConfig.custom()
                .maxConcurrentCalls(s.bulkheadMaxCalls())
                .maxWaitDuration(Duration.ZERO)
                .build());
        return new ModelPolicies(breaker, retry, limiter, bulkhead);
    }
}
