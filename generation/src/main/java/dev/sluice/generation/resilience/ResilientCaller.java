package dev.sluice.generation.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.provider.Completion;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.provider.ErrorClass;
import dev.sluice.generation.provider.LlmProvider;
import dev.sluice.generation.provider.ProviderException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.retry.Retry;

/**
 * Calls a provider under resilience4j, asynchronously: per attempt {@code Retry( CircuitBreaker( RateLimiter(
 * Bulkhead( TimeLimiter( provider ))))) }, the rate limiter provider-wide, the rest per model. Only failures
 * the provider cannot have billed are retried ({@link ErrorClass#retriable()}), with exponential backoff, jitter
 * and the provider's Retry-After. While the breaker is open the request waits (polling it) up to the
 * configured deadline, then fails with {@link CallFailedException#BREAKER_OPEN}.
 *
 * <p>All waiting (backoff, rate limit, breaker polling) is scheduled on {@code waits}, never by blocking a
 * thread, and tests inject a scheduler that records the delays instead of sleeping.
 */
public final class ResilientCaller {
    /** The endpoint tag of the main provider's meters. */
    public static final String MAIN_ENDPOINT = "main";
    private final LlmProvider provider;
    private final ResilienceSettings settings;
    private final ScheduledExecutorService waits;
    private final ScheduledExecutorService timeouts;
    private final Clock clock;
    private final GenerationMetrics metrics;
    private final RateLimiter rateLimiter;
    private final Map<String, ModelPolicies> byModel = new ConcurrentHashMap<>();
    private final String endpoint;

    /** The main provider's caller (endpoint {@value #MAIN_ENDPOINT} in its meters' tags). */
    public ResilientCaller(LlmProvider provider, ResilienceSettings settings, ScheduledExecutorService waits,
                           ScheduledExecutorService timeouts, Clock clock, GenerationMetrics metrics) {
        this(MAIN_ENDPOINT, provider, settings, waits, timeouts, clock, metrics);
    }

    /** A caller of the endpoint named {@code endpoint} (its breaker gauges carry the name as tag {@code endpoint}). */
    public ResilientCaller(String endpoint, LlmProvider provider, ResilienceSettings settings, ScheduledExecutorService waits,
                           ScheduledExecutorService timeouts, Clock clock, GenerationMetrics metrics) {
        this.endpoint = endpoint;
        this.provider = provider;
        this.settings = settings;
        this.waits = waits;
        this.timeouts = timeouts;
        this.clock = clock;
        this.metrics = metrics;
        this.rateLimiter = RateLimiter.of(provider.name(), RateLimiterConfig.custom()
                .limitForPeriod(settings.rateLimitPerSecond())
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ofSeconds(30))
                .build());
    }

    public LlmProvider provider() {
        return provider;
    }

    /** The breaker of {@code model} (created on first use). */
    public CircuitBreaker breaker(String model) {
        return policies(model).breaker();
    }

    /** Every breaker created so far, by model. */
    public Map<String, CircuitBreaker> breakers() {
        Map<String, CircuitBreaker> out = new java.util.TreeMap<>();
        byModel.forEach((model, p) -> out.put(model, p.breaker()));
        return out;
    }

    /** Calls the provider for {@code request}; fails only with {@link CallFailedException}. */
    public CompletableFuture<CallResult> call(CompletionRequest request) {
        return call(request, settings.breakerWaitDeadline());
    }

    /**
     * As {@link #call(CompletionRequest)}, waiting at most {@code breakerWait} for an open breaker ({@link Duration#ZERO}:
     * fail with {@link CallFailedException#BREAKER_OPEN} at once, for a caller with a fallback).
     */
    public CompletableFuture<CallResult> call(CompletionRequest request, Duration breakerWait) {
        CompletableFuture<CallResult> out = new CompletableFuture<>();
        Instant deadline = clock.instant().plus(breakerWait);
        underBreaker(request, policies(request.model()), deadline, breakerWait, new AtomicInteger(), new AtomicLong(), out);
        return out;
    }

    private void underBreaker(CompletionRequest request, ModelPolicies p, Instant deadline, Duration wait, AtomicInteger attempts,
                              AtomicLong providerNanos, CompletableFuture<CallResult> out) {
        Supplier<CompletionStage<Completion>> attempt = () -> attempt(request, p, attempts, providerNanos);
        Supplier<CompletionStage<Completion>> guarded = CircuitBreaker.decorateCompletionStage(p.breaker(), attempt);
        Retry.decorateCompletionStage(p.retry(), waits, guarded).get().whenComplete((completion, failure) -> {
            if (failure == null) {
                out.complete(new CallResult(completion, attempts.get(), providerNanos.get()));
                return;
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof CallNotPermittedException) {
                long remaining = Duration.between(clock.instant(), deadline).toMillis();
                if (remaining <= 0) {
                    out.completeExceptionally(new CallFailedException(CallFailedException.BREAKER_OPEN, "circuit breaker "
                            + p.breaker().getName() + " stayed open past the wait deadline of "
                            + wait.toMillis() + " ms", attempts.get()));
                } else {
                    waits.schedule(() -> underBreaker(request, p, deadline, wait, attempts, providerNanos, out),
                            Math.min(remaining, settings.breakerPoll().toMillis()), TimeUnit.MILLISECONDS);
                }
                return;
            }
            out.completeExceptionally(failed(cause, attempts.get()));
        });
    }

    private CallFailedException failed(Throwable cause, int attempts) {
        ProviderException pe = ProviderException.find(cause).orElseGet(() ->
                ProviderException.of(ErrorClass.SERVER_ERROR, provider.name() + ": " + cause.getClass().getSimpleName()));
        if (pe.errorClass().retriable()) {
            return new CallFailedException(CallFailedException.RETRIES_EXHAUSTED, "gave up after " + attempts
                    + " attempts; last failure " + pe.errorClass() + ": " + pe.getMessage(), attempts);
        }
        return new CallFailedException(pe.errorClass().name(), pe.getMessage(), attempts);
    }

    /** One attempt: provider-wide rate limit, then the model's bulkhead and time limiter around the call. */
    private CompletionStage<Completion> attempt(CompletionRequest request, ModelPolicies p, AtomicInteger attempts,
                                                AtomicLong providerNanos) {
        long waitNanos = rateLimiter.reservePermission();
        if (waitNanos < 0) {
            return CompletableFuture.failedFuture(ProviderException.of(ErrorClass.THROTTLED_LOCALLY,
                    provider.name() + ": provider-wide rate limit of " + settings.rateLimitPerSecond() + "/s"));
        }
        if (waitNanos == 0) {
            return bulkheaded(request, p, attempts, providerNanos);
        }
        CompletableFuture<Completion> later = new CompletableFuture<>();
        waits.schedule(() -> bulkheaded(request, p, attempts, providerNanos).whenComplete((c, t) -> {
            if (t != null) {
                later.completeExceptionally(t);
            } else {
                later.complete(c);
            }
        }), waitNanos, TimeUnit.NANOSECONDS);
        return later;
    }

    private CompletionStage<Completion> bulkheaded(CompletionRequest request, ModelPolicies p, AtomicInteger attempts,
                                                   AtomicLong providerNanos) {
        if (!p.bulkhead().tryAcquirePermission()) {
            return CompletableFuture.failedFuture(ProviderException.of(ErrorClass.THROTTLED_LOCALLY,
                    provider.name() + ": bulkhead of " + request.model() + " is full"));
        }
        attempts.incrementAndGet();
        long t0 = System.nanoTime();
        Supplier<CompletableFuture<Completion>> call = () -> provider.complete(request);
        CompletionStage<Completion> limited = p.timeLimiter().executeCompletionStage(timeouts, call);
        return limited.handle((completion, failure) -> {
            p.bulkhead().onComplete();
            providerNanos.addAndGet(System.nanoTime() - t0);
            if (failure == null) {
                return completion;
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof TimeoutException) {
                // the request may be running (and billed) at the provider: never retried
                throw ProviderException.of(ErrorClass.OUTCOME_UNKNOWN, provider.name() + ": no answer within "
                        + settings.timeout().toMillis() + " ms; it may have been billed");
            }
            throw ProviderException.find(cause).orElseGet(() ->
                    ProviderException.of(ErrorClass.SERVER_ERROR, provider.name() + ": " + cause.getClass().getSimpleName()));
        });
    }

    private ModelPolicies policies(String model) {
        return byModel.computeIfAbsent(model, m -> {
            ModelPolicies p = ModelPolicies.create(provider.name(), m, settings, clock, this::interval);
            p.retry().getEventPublisher().onRetry(e -> metrics.retry(provider.name(), m));
            metrics.breaker(endpoint, provider.name(), m, p.breaker());
            return p;
        });
    }

    /** Backoff before retry {@code attempt} (1-based): exponential with jitter, at least the Retry-After. */
    long interval(int attempt, Throwable failure) {
        double base = settings.initialBackoff().toMillis() * Math.pow(2, Math.max(0, attempt - 1));
        double capped = Math.min(base, settings.maxBackoff().toMillis());
        double j = settings.jitter();
        long backoff = (long) (capped * (j == 0 ? 1 : ThreadLocalRandom.current().nextDouble(1 - j, 1 + j)));
        long retryAfter = ProviderException.find(failure).flatMap(ProviderException::retryAfter)
                .map(d -> Math.min(d.toMillis(), settings.maxRetryAfter().toMillis())).orElse(0L);
        return Math.max(backoff, retryAfter);
    }

    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
