package dev.sluice.enrichment;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.schema.EmbeddingSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The stage's Micrometer meters, all named {@code sluice.enrichment.*}: cache hits and misses (per record), hit rate,
 * records by embedding source, degraded state and cumulative degraded time, batch sizes, model latency and dead letters.
 */
public final class EnrichmentMetrics {
    private static final EmbeddingSource[] SOURCES = EmbeddingSource.values();
    private final MeterRegistry registry;
    private final Counter hits;
    private final Counter misses;
    private final Map<EmbeddingSource, Counter> bySource = new EnumMap<>(EmbeddingSource.class);
    private final DistributionSummary batchSize;
    private final DistributionSummary modelBatchSize;
    private final Timer modelLatency;

    public EnrichmentMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.hits = Counter.builder("sluice.enrichment.cache.hits")
                .description("Records whose embedding came from a cache (Redis, or the local cache while degraded)").register(registry);
        this.misses = Counter.builder("sluice.enrichment.cache.misses")
                .description("Records whose embedding had to be computed").register(registry);
        Gauge.builder("sluice.enrichment.cache.hit.rate", this, m -> m.hitRate()).strongReference(true)
                .description("hits / (hits + misses) since start").register(registry);
        for (EmbeddingSource source : EmbeddingSource.values()) {
            bySource.put(source, Counter.builder("sluice.enrichment.records").tag("source", source.name())
                    .description("Enriched records by where their embedding came from").register(registry));
        }
        this.batchSize = DistributionSummary.builder("sluice.enrichment.batch.size")
                .description("Records per poll (one Redis lookup, one transaction)").register(registry);
        this.modelBatchSize = DistributionSummary.builder("sluice.enrichment.model.batch.size")
                .description("Distinct texts computed per batch").register(registry);
        this.modelLatency = Timer.builder("sluice.enrichment.model.latency")
                .description("Time to embed one batch of misses").register(registry);
    }

    /**
     * Registers the degraded gauge (1 while degraded), the degraded-time counter and the breaker state of
     * {@code cache}. Micrometer holds {@code cache} weakly; the stage holds it for its whole life.
     */
    void bind(ResilientCache cache) {
        Gauge.builder("sluice.enrichment.degraded", cache, c -> c.degraded() ? 1 : 0)
                .description("1 while Redis is unavailable and the stage runs on the local cache").register(registry);
        FunctionCounter.builder("sluice.enrichment.degraded.time", cache, ResilientCache::degradedSeconds)
                .baseUnit("seconds").description("Total time spent degraded").register(registry);
        Gauge.builder("sluice.enrichment.redis.breaker.state", cache, ResilientCache::breakerStateCode)
                .description("Redis circuit breaker: 0 closed, 1 open, 2 half-open").register(registry);
    }

    /**
     * Counts a batch's records by source: {@code recordsBySource[source.ordinal()]} records came from {@code source}.
     * Called once per batch, not per record: a counter increment (a DoubleAdder add) per record was ~7 % of the warm
     * path's CPU samples.
     */
    void record(long[] recordsBySource) {
        long hitCount = 0;
        long missCount = 0;
        for (EmbeddingSource source : SOURCES) {
            long n = recordsBySource[source.ordinal()];
            if (n == 0) {
                continue;
            }
            bySource.get(source).increment(n);
            switch (source) {
                case CACHE_HIT, DEGRADED_LOCAL_CACHE -> hitCount += n;
                case COMPUTED, DEGRADED_COMPUTED -> missCount += n;
                case SKIPPED -> { }
            }
        }
        if (hitCount > 0) {
            hits.increment(hitCount);
        }
        if (missCount > 0) {
            misses.increment(missCount);
        }
    }

    void batch(int records) {
        batchSize.record(records);
    }

    void modelCall(int texts, long nanos) {
        modelBatchSize.record(texts);
        modelLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void deadLetter(String errorClass) {
        registry.counter("sluice.enrichment.dead.letters", "error.class", errorClass).increment();
    }

    public double hitRate() {
        double h = hits.count();
        double total = h + misses.count();
        return total == 0 ? 0 : h / total;
    }

    public double count(EmbeddingSource source) {
        return bySource.get(source).count();
    }
}
