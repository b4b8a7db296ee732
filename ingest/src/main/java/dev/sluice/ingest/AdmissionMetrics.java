package dev.sluice.ingest;

import java.util.EnumMap;
import java.util.Map;

import dev.sluice.schema.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Admission's Micrometer meters: {@code sluice.ingest.admitted}, {@code sluice.ingest.rejected{reason}},
 * {@code sluice.ingest.reservations.expired} and {@code sluice.ingest.costs{outcome=reconciled|late|unmatched}}.
 */
public final class AdmissionMetrics {
    private final Counter admitted;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Counter expired;
    private final Map<Settlement, Counter> costs = new EnumMap<>(Settlement.class);

    public AdmissionMetrics(MeterRegistry registry) {
        admitted = Counter.builder("sluice.ingest.admitted").description("requests admitted").register(registry);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, Counter.builder("sluice.ingest.rejected").tag("reason", reason.name())
                    .description("requests rejected, by the first failed check").register(registry));
        }
        expired = Counter.builder("sluice.ingest.reservations.expired")
                .description("reservations released because no cost event came within the TTL").register(registry);
        for (Settlement s : Settlement.values()) {
            costs.put(s, Counter.builder("sluice.ingest.costs").tag("outcome", s.name().toLowerCase(java.util.Locale.ROOT))
                    .description("cost events by what reconciliation did with them").register(registry));
        }
    }

    void admitted() {
        admitted.increment();
    }

    void rejected(RejectReason reason) {
        rejected.get(reason).increment();
    }

    void expired() {
        expired.increment();
    }

    void cost(Settlement outcome) {
        costs.get(outcome).increment();
    }

    /** What a cost event did. */
    enum Settlement {
        /** Its reservation was outstanding: moved from reserved to spent. */
        RECONCILED,
        /** Its reservation had expired: charged to spent (once) after all. */
        LATE,
        /** No reservation (a duplicate, or older than the grace period): ignored. */
        UNMATCHED
    }
}
