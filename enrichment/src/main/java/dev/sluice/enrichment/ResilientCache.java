package dev.sluice.enrichment;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.enrichment.cache.CacheUnavailableException;
import dev.sluice.enrichment.cache.EmbeddingCache;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

/**
 * The shared cache (Redis) behind a circuit breaker, plus a bounded in-process cache (Caffeine) that always holds
 * recently seen vectors and is the only cache while Redis is unavailable. The stage is <em>degraded</em> while the
 * breaker is not closed or the last Redis call failed. Recovery needs no restart and no traffic: once the breaker's
 * open period is over, the next call is let through as a trial (half-open); if Redis answers, the breaker closes. That
 * call is the next lookup, or the recovery {@linkplain #probe() probe} that {@link #startProbing} runs while degraded
 * (a PING through the same breaker), so a stage whose input went quiet during an outage still reports the recovery.
 */
public final class ResilientCache implements AutoCloseable {
    /** How often a degraded stage probes Redis (the breaker still decides whether a probe reaches Redis). */
    public static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

    private final EmbeddingCache shared;
    private final CircuitBreaker breaker;
    private final Cache<String, float[]> local;
    private final Duration ttl;
    private final Clock clock;
    private volatile boolean lastCallFailed;
    private long degradedSinceMillis = -1;
    private long degradedMillisTotal;
    private ScheduledExecutorService prober;

    public ResilientCache(EmbeddingCache shared, Duration ttl, Duration breakerOpen, int localEntries, Clock clock) {
        this.shared = shared;
        this.ttl = ttl;
        this.clock = clock;
        this.breaker = CircuitBreaker.of("redis", CircuitBreakerConfig.custom()
                // Small count window: a dead Redis opens the breaker within a few polls, a single blip does not.
                .slidingWindow(10, 3, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .waitDurationInOpenState(breakerOpen)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordExceptions(CacheUnavailableException.class)
                .clock(clock)
                .build());
        this.local = Caffeine.newBuilder().maximumSize(localEntries).build();
    }

    /**
     * A lookup sent in parts: each {@link Lookup#send} pipelines one MGET for the next keys and returns, so the caller
     * can prepare the following keys (and read the first answers) while Redis answers. The whole lookup is one call
     * through the breaker, decided when it is {@linkplain Lookup#finish() finished}.
     */
    public Lookup startLookup() {
        return new Lookup();
    }

    /**
     * See {@link #startLookup()}. Used by one thread; {@link #finish()} must be called once any part was sent (also
     * when the caller fails in between: the breaker's permission is given back only there).
     */
    public final class Lookup {
        private final List<EmbeddingCache.Pending> parts = new ArrayList<>();
        private final List<Integer> partStarts = new ArrayList<>();
        private int sent;
        private boolean started;
        private boolean refused;
        private CacheUnavailableException failure;
        private long startNanos;
        private int answeredParts;
        private List<byte[]> current = List.of();
        private int currentStart;
        private Boolean finished;

        private Lookup() {}

        /** Sends the MGET of {@code keys}, the ones after every key sent before. Nothing once refused or failed. */
        public void send(List<String> keys) {
            if (keys.isEmpty()) {
                return;
            }
            if (!started) {
                started = true;
                startNanos = System.nanoTime();
                refused = !breaker.tryAcquirePermission();
            }
            partStarts.add(sent);
            sent += keys.size();
            if (refused || failure != null) {
                parts.add(null);
                return;
            }
            try {
                parts.add(shared.getAllLater(keys));
            } catch (CacheUnavailableException e) {
                parts.add(null);
                fail(e, parts.size());
            }
        }

        /**
         * Whether Redis answered for the {@code index}-th key sent (waiting for its part if need be); false when the
         * breaker refused the lookup or the part failed. Indexes are asked for in increasing order.
         */
        public boolean answered(int index) {
            while (index >= currentStart + current.size() && answeredParts < parts.size() && failure == null && !refused) {
                EmbeddingCache.Pending part = parts.get(answeredParts);
                try {
                    current = part.await();
                    currentStart = partStarts.get(answeredParts);
                    answeredParts++;
                } catch (CacheUnavailableException e) {
                    fail(e, answeredParts + 1);
                }
            }
            return index >= currentStart && index < currentStart + current.size();
        }

        /** Redis's value of the {@code index}-th key sent, null where absent; only after {@code answered(index)}. */
        public byte[] value(int index) {
            return current.get(index - currentStart);
        }

        /** Ends the call: records it with the breaker (once; later calls return the same). True when every part was answered. */
        public boolean finish() {
            if (finished == null) {
                finished = record();
            }
            return finished;
        }

        private boolean record() {
            if (!started) {
                return true;
            }
            Throwable unexpected = null;
            if (failure == null && !refused) {
                try {
                    answered(sent - 1); // a part not yet awaited
                } catch (RuntimeException e) {
                    unexpected = e; // not a known cache failure: the breaker's exception rules decide
                }
            }
            if (refused) {
                markFailed(true);
                return false;
            }
            long took = System.nanoTime() - startNanos;
            if (failure != null || unexpected != null) {
                breaker.onError(took, TimeUnit.NANOSECONDS, failure != null ? failure : unexpected);
                markFailed(true);
                return false;
            }
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
            markFailed(false);
            return true;
        }

        /** Gives up the parts from {@code from} on (the failed part itself gave up already). */
        private void fail(CacheUnavailableException e, int from) {
            failure = e;
            for (int i = from; i < parts.size(); i++) {
                if (parts.get(i) != null) {
                    parts.get(i).cancel();
                }
            }
        }
    }

    /** Writes entries back to Redis; false when that failed (the vectors then live only in the local cache). */
    public boolean store(Map<String, byte[]> entries) {
        if (entries.isEmpty()) {
            return true;
        }
        return call(() -> {
            shared.putAll(entries, ttl);
            return Boolean.TRUE;
        }).isPresent();
    }

    /**
     * While degraded, one PING through the breaker (refused without touching Redis while the breaker is open); nothing
     * when healthy. Returns whether the cache is still degraded.
     */
    public boolean probe() {
        if (degraded()) {
            try {
                call(() -> {
                    shared.ping();
                    return Boolean.TRUE;
                });
            } catch (RuntimeException e) {
                markFailed(true); // not a known cache failure, still not a healthy Redis: the next probe tries again
            }
        }
        return degraded();
    }

    /** Runs {@link #probe()} every {@code interval} on a daemon thread until {@link #close()}. */
    public synchronized void startProbing(Duration interval) {
        if (prober != null) {
            return;
        }
        prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-redis-probe");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(this::probe, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private <T> Optional<T> call(java.util.function.Supplier<T> operation) {
        try {
            T result = breaker.executeSupplier(operation);
            markFailed(false);
            return Optional.of(result);
        } catch (CacheUnavailableException | CallNotPermittedException e) {
            markFailed(true);
            return Optional.empty();
        }
    }

    private synchronized void markFailed(boolean failed) {
        lastCallFailed = failed;
        boolean degraded = degraded();
        long now = clock.millis();
        if (degraded && degradedSinceMillis < 0) {
            degradedSinceMillis = now;
        } else if (!degraded && degradedSinceMillis >= 0) {
            degradedMillisTotal += now - degradedSinceMillis;
            degradedSinceMillis = -1;
        }
    }

    public float[] localGet(String key) {
        return local.getIfPresent(key);
    }

    public void localPut(String key, float[] vector) {
        local.put(key, vector);
    }

    /** True while records are being enriched without Redis. */
    public boolean degraded() {
        return lastCallFailed || breaker.getState() != CircuitBreaker.State.CLOSED;
    }

    /** Total time spent degraded, including the current spell. */
    public synchronized double degradedSeconds() {
        long current = degradedSinceMillis < 0 ? 0 : clock.millis() - degradedSinceMillis;
        return (degradedMillisTotal + current) / 1000.0;
    }

    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    /** Breaker state as a gauge value: 0 closed, 1 open (or forced open), 2 half-open, 3 other. */
    public double breakerStateCode() {
        return switch (breaker.getState()) {
            case CLOSED -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 3;
        };
    }

    public EmbeddingCache shared() {
        return shared;
    }

    @Override
    public void close() {
        ScheduledExecutorService p;
        synchronized (this) {
            p = prober;
            prober = null;
        }
        if (p != null) {
            p.shutdownNow();
            try {
                p.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        shared.close();
    }
}
