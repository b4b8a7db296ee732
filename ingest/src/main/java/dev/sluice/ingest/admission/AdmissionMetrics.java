package dev.sluice.ingest.admission;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.common.streams.RestoreProgress;
import dev.sluice.schema.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Admission's Micrometer meters: {@code sluice.ingest.admitted}, {@code sluice.ingest.rejected{reason}},
 * {@code sluice.ingest.costs{outcome=reconciled|unreserved|duplicate|released|ignored}}, and the overspend:
 * {@code sluice.ingest.overspent} (charges above the money held for them) and {@code sluice.ingest.overspent.micros}
 * (by how much, micro-dollars); {@code sluice.ingest.commits.early} (commits asked for at the fresh interval, see
 * {@link CommitPacer}). Any overspend means a price table or a provider disagrees with the reservation. The money held:
 * {@code sluice.ingest.reservations.held.micros} (reserved for requests with no outcome yet, over this instance's
 * tasks), {@code sluice.ingest.reservations.held.users} (users holding some) and
 * {@code sluice.ingest.reservations.held.oldest.seconds} (the age of the oldest, to the minute: {@link HeldAges});
 * {@code sluice reservations} lists the reservations themselves, with their ages. The state's copies: {@code sluice.ingest.state.restored.records} (changelog
 * records read back into this instance's stores before their tasks ran: after a crash, or a task new to it; the policy
 * table's records read from {@code llm.user-policies} at a start count too) and
 * {@code sluice.ingest.state.standby.records} (applied to its standby copies of other instances' tasks).
 */
public final class AdmissionMetrics {
    private final Counter admitted;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Map<Settlement, Counter> costs = new EnumMap<>(Settlement.class);
    private final Counter overspent;
    private final Counter overspentMicros;
    private final Counter earlyCommits;
    private final RestoreProgress restores;
    /** Per task (its id): the money its users hold. Tasks come and go with rebalances. */
    private final Map<String, HeldMoney> held = new ConcurrentHashMap<>();

    public AdmissionMetrics(MeterRegistry registry) {
        admitted = Counter.builder("sluice.ingest.admitted").description("requests admitted").register(registry);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, Counter.builder("sluice.ingest.rejected").tag("reason", reason.name())
                    .description("requests rejected, by the first failed check").register(registry));
        }
        for (Settlement s : Settlement.values()) {
            costs.put(s, Counter.builder("sluice.ingest.costs").tag("outcome", s.name().toLowerCase(Locale.ROOT))
                    .description("cost events by what reconciliation did with them").register(registry));
        }
        overspent = Counter.builder("sluice.ingest.overspent")
                .description("charges above the money reserved for them (or with none held)").register(registry);
        // No base unit: the name says it, and Prometheus would append it (sluice_ingest_overspent_micros_micro_USD_total,
        // which the Grafana dashboard and the docs, naming sluice_ingest_overspent_micros_total, did not find).
        overspentMicros = Counter.builder("sluice.ingest.overspent.micros")
                .description("sum of charges above their reservations, micro-dollars").register(registry);
        earlyCommits = Counter.builder("sluice.ingest.commits.early")
                .description("commits requested at the fresh interval because a fresh request was waiting").register(registry);
        restores = new RestoreProgress("admission's", registry, "sluice.ingest");
        Gauge.builder("sluice.ingest.reservations.held.micros", held, h -> h.values().stream().mapToLong(HeldMoney::micros).sum())
                .description("money reserved for admitted requests with no outcome yet (this instance's tasks)")
                .register(registry);
        Gauge.builder("sluice.ingest.reservations.held.users", held, h -> h.values().stream().mapToLong(HeldMoney::users).sum())
                .description("users with money reserved for requests with no outcome yet (this instance's tasks)").register(registry);
        Gauge.builder("sluice.ingest.reservations.held.oldest.seconds", held, h -> oldestAgeSeconds(h.values(), registry.config().clock().wallTime()))
                .description("age of the oldest reservation held for a request with no outcome yet, to the minute (this instance's"
                        + " tasks; 0 when none is held, NaN while a task that just started is still reading its reservations)")
                .register(registry);
    }

    /**
     * Seconds from the oldest admission among {@code tasks}' held reservations (broker time, to the minute) to {@code nowMs}:
     * 0 when none is held, NaN while any task has not finished reading its reservations.
     */
    static double oldestAgeSeconds(Collection<HeldMoney> tasks, long nowMs) {
        long oldest = HeldAges.NONE;
        for (HeldMoney task : tasks) {
            long at = task.ages().oldestAdmittedAt();
            if (at == HeldAges.UNKNOWN) {
                return Double.NaN;
            }
            oldest = Math.min(oldest, at);
        }
        return oldest == HeldAges.NONE ? 0 : Math.max(0, nowMs - oldest) / 1000.0;
    }

    /** The money held by the task {@code taskId}'s users; its processors share it. */
    HeldMoney held(String taskId) {
        return held.computeIfAbsent(taskId, k -> new HeldMoney());
    }

    /** The task {@code taskId} closed here (moved, or the stage stops): its money is no longer this instance's to show. */
    void closed(String taskId) {
        held.remove(taskId);
    }

    /** The restore listener that logs this instance's restores and counts them among these meters. */
    public RestoreProgress restores() {
        return restores;
    }

    void admitted() {
        admitted.increment();
    }

    void rejected(RejectReason reason) {
        rejected.get(reason).increment();
    }

    void cost(Settlement outcome) {
        costs.get(outcome).increment();
    }

    void overspent(long micros) {
        overspent.increment();
        overspentMicros.increment(micros);
    }

    void earlyCommit() {
        earlyCommits.increment();
    }

    /** What a cost event did. */
    enum Settlement {
        /** CHARGED, its reservation was held: charged in full, the reservation ended. */
        RECONCILED,
        /** CHARGED with no reservation held (none kept, or released before): charged in full all the same. */
        UNRESERVED,
        /** CHARGED for a request already charged: ignored. */
        DUPLICATE,
        /** RELEASED: the held reservation ended without a charge. */
        RELEASED,
        /** RELEASED with nothing held, an OVERSPENT flag, a null value or key: changes nothing. */
        IGNORED
    }
}
