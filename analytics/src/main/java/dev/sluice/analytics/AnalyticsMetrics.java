package dev.sluice.analytics;

import dev.sluice.common.streams.RestoreProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The analytics app's Micrometer meters (Prometheus names in parentheses). They are operational signals
 * incremented while processing, so a task retried under exactly-once may count a record twice; the output
 * topics are the exact numbers.
 */
public final class AnalyticsMetrics {
    private final MeterRegistry registry;
    private final Counter counted;
    private final Counter duplicates;
    private final Counter spentMicros;
    private final Counter savedMicros;
    private final RestoreProgress restores;

    public AnalyticsMetrics(MeterRegistry registry) {
        this.registry = registry;
        // sluice_analytics_cost_events_total{outcome}
        this.counted = Counter.builder("sluice.analytics.cost.events").tag("outcome", "counted")
                .description("Distinct cost events counted").register(registry);
        this.duplicates = Counter.builder("sluice.analytics.cost.events").tag("outcome", "duplicate")
                .description("Cost events dropped because their requestId was already counted").register(registry);
        // sluice_analytics_spent_micros_total, sluice_analytics_saved_micros_total
        this.spentMicros = Counter.builder("sluice.analytics.spent.micros").description("Provider spend, micro-dollars").register(registry);
        this.savedMicros = Counter.builder("sluice.analytics.saved.micros").description("Response-cache savings, micro-dollars").register(registry);
        // sluice_analytics_state_restored_records_total, sluice_analytics_state_standby_records_total
        this.restores = new RestoreProgress("analytics'", registry, "sluice.analytics");
    }

    public void counted(long costMicros, long saved) {
        counted.increment();
        spentMicros.increment(costMicros);
        savedMicros.increment(saved);
    }

    /** The restore listener that logs this instance's restores and counts them among these meters. */
    public RestoreProgress restores() {
        return restores;
    }

    public void duplicate() {
        duplicates.increment();
    }

    /** sluice_analytics_late_dropped_total{aggregation}: events past the grace period of their window. */
    public void lateDropped(String aggregation) {
        Counter.builder("sluice.analytics.late.dropped").tag("aggregation", aggregation)
                .description("Events older than their window's grace period, dropped").register(registry).increment();
    }

    /** sluice_analytics_rejections_total{reason}. */
    public void rejection(String reason) {
        Counter.builder("sluice.analytics.rejections").tag("reason", reason)
                .description("Requests rejected by admission").register(registry).increment();
    }

    public double lateDroppedCount(String aggregation) {
        Counter c = registry.find("sluice.analytics.late.dropped").tag("aggregation", aggregation).counter();
        return c == null ? 0 : c.count();
    }

    public double duplicateCount() {
        return duplicates.count();
    }
}
