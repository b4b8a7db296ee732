package dev.sluice.generation;

import java.time.Duration;
import java.util.function.IntSupplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The generation stage's meters: {@code sluice.generation.in.flight} (gauge), {@code sluice.generation.outcomes}
 * by outcome, {@code sluice.generation.breaker.state} per provider+model (0 closed, 1 open, 2 half-open,
 * 3 other), {@code sluice.generation.retries}, {@code sluice.generation.cost.micros},
 * {@code sluice.generation.saved.micros}, {@code sluice.generation.cache.hits},
 * {@code sluice.generation.abandoned.calls} by reason (revoked, shutdown: the next owner calls them again) and
 * {@code sluice.generation.overhead} (time added on top of provider latency, p50/p99 published), split by
 * {@code sluice.generation.overhead.phase}: {@code store} (the store lookup round trip), {@code dispatch} (from its
 * reply to the decision running on a worker thread) and {@code call} (the rest: the resilience wrappers around the
 * provider call and the hand-back of its answer to a worker thread).
 */
public final class GenerationMetrics {
    /** Outcome tag values. */
    public static final String SUCCESS = "success", CACHE_HIT = "cache_hit", RECOVERED = "recovered",
            SKIPPED = "skipped", DEAD_LETTER = "dead_letter", SEMANTIC_HIT = "semantic_hit";

    private final MeterRegistry registry;
    private volatile IntSupplier inFlight = () -> 0;
    private final Counter cost;
    private final Counter saved;
    private final Counter cacheHits;
    private final Timer overhead;
    private final Timer storePhase;
    private final Timer dispatchPhase;
    private final Timer callPhase;

    public GenerationMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("sluice.generation.in.flight", this, GenerationMetrics::inFlight)
                .description("requests being processed (calls, waits for the breaker, cache lookups)").register(registry);
        this.cost = Counter.builder("sluice.generation.cost.micros").description("provider cost, micro-dollars").register(registry);
        this.saved = Counter.builder("sluice.generation.saved.micros").description("cost avoided by the response cache, micro-dollars").register(registry);
        this.cacheHits = Counter.builder("sluice.generation.cache.hits").register(registry);
        this.overhead = Timer.builder("sluice.generation.overhead")
                .description("processing time minus time inside provider attempts")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.storePhase = phase("store", registry);
        this.dispatchPhase = phase("dispatch", registry);
        this.callPhase = phase("call", registry);
    }

    private static Timer phase(String phase, MeterRegistry registry) {
        return Timer.builder("sluice.generation.overhead.phase").tag("phase", phase)
                .description("one phase of sluice.generation.overhead").publishPercentiles(0.5, 0.99).register(registry);
    }

    /** Meters on a private registry (tests). */
    public static GenerationMetrics standalone() {
        return new GenerationMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Requests being processed now, as counted by the loop's back-pressure counter (0 before the loop runs). */
    public int inFlight() {
        return inFlight.getAsInt();
    }

    /** Reports the loop's in-flight counter through {@link #inFlight()} and its gauge; the metric only reads it. */
    public void inFlightFrom(IntSupplier counter) {
        this.inFlight = counter;
    }

    public void outcome(String outcome) {
        registry.counter("sluice.generation.outcomes", "outcome", outcome).increment();
    }

    public void deadLetter(String errorClass) {
        registry.counter("sluice.generation.outcomes", "outcome", DEAD_LETTER, "error.class", errorClass).increment();
    }

    /** Calls still running when their partition was handed over ({@code reason} revoked or shutdown). */
    public void abandoned(String reason, int calls) {
        registry.counter("sluice.generation.abandoned.calls", "reason", reason).increment(calls);
    }

    public void retry(String provider, String model) {
        registry.counter("sluice.generation.retries", "provider", provider, "model", model).increment();
    }

    public void cost(long micros) {
        cost.increment(micros);
    }

    public void cacheHit(long savedMicros) {
        cacheHits.increment();
        saved.increment(savedMicros);
    }

    public void overhead(long nanos) {
        overhead.record(Duration.ofNanos(Math.max(0, nanos)));
    }

    public Timer overheadTimer() {
        return overhead;
    }

    /** The phases of one provider call's overhead (nanoseconds; {@code call} = total − store − dispatch). */
    public void overheadPhases(long storeNanos, long dispatchNanos, long totalNanos) {
        storePhase.record(Duration.ofNanos(Math.max(0, storeNanos)));
        dispatchPhase.record(Duration.ofNanos(Math.max(0, dispatchNanos)));
        callPhase.record(Duration.ofNanos(Math.max(0, totalNanos - storeNanos - dispatchNanos)));
    }

    /** The timers of {@link #overheadPhases}: store, dispatch, call. */
    public Timer[] overheadPhaseTimers() {
        return new Timer[] {storePhase, dispatchPhase, callPhase};
    }

    /**
     * Registers {@code breaker}'s state gauge, tagged with the endpoint ({@code main} for the main provider, else the
     * name from {@code generation.endpoints}): two endpoints of the same provider type serving one model (a primary
     * and a backup, both {@code openai}) each get their own gauge.
     */
    public void breaker(String endpoint, String provider, String model, CircuitBreaker breaker) {
        Gauge.builder("sluice.generation.breaker.state", breaker, b -> switch (b.getState()) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 3;
        }).tags("endpoint", endpoint, "provider", provider, "model", model).register(registry);
    }
}
