package dev.sluice.ingest.admission;

import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.admission.AdmissionMetrics.Settlement;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Reconciliation: a cost event (keyed by userId, co-partitioned with requests, so it reaches the task that holds
 * the user's state) ends its request's reservation. CHARGED charges the actual cost in full to the UTC day of the
 * event's broker time; RELEASED frees the money without a charge. A charge above what was held is forwarded to
 * llm.costs as an OVERSPENT flag (in the same transaction as the charge) and counted; flags read back are ignored.
 */
final class ReconcileProcessor implements Processor<String, CostEvent, String, CostEvent> {
    private final IngestConfig config;
    private final AdmissionMetrics metrics;
    private ProcessorContext<String, CostEvent> context;
    private KeyValueStore<String, byte[]> users;
    private ReservationLedger ledger;

    ReconcileProcessor(IngestConfig config, AdmissionMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, CostEvent> context) {
        this.context = context;
        users = context.getStateStore(AdmissionTopology.USER_STATE_STORE);
        // the admission processor of the same task counts it at its start (processors of a task start before any record)
        ledger = new ReservationLedger(context.getStateStore(AdmissionTopology.REQUESTS_STORE), users,
                context.getStateStore(AdmissionTopology.USER_WINDOW_STORE), config, metrics.held(context.taskId().toString()));
    }

    @Override
    public void close() {
        metrics.closed(context.taskId().toString());
    }

    @Override
    public void process(Record<String, CostEvent> record) {
        CostEvent cost = record.value();
        if (record.key() == null || cost == null || cost.getKind() == CostKind.OVERSPENT) {
            metrics.cost(Settlement.IGNORED);
            return;
        }
        String userId = record.key();
        long at = record.timestamp();
        UserState state = UserState.decode(users.get(userId));
        state.rollTo(UserState.dayOf(at));
        if (cost.getKind() == CostKind.RELEASED) {
            Settlement outcome = ledger.release(userId, cost.getRequestId(), at, state);
            if (outcome == Settlement.RELEASED) {
                users.put(userId, state.encode());
            }
            metrics.cost(outcome);
            return;
        }
        ReservationLedger.Charge charge = ledger.charge(userId, cost.getRequestId(), cost.getCostMicros(), at, state);
        metrics.cost(charge.outcome());
        if (charge.outcome() == Settlement.DUPLICATE) {
            return;
        }
        users.put(userId, state.encode());
        if (charge.overspentMicros() > 0) {
            metrics.overspent(charge.overspentMicros());
            CostEvent flag = CostEvent.newBuilder(cost).setKind(CostKind.OVERSPENT).setReservedMicros(charge.heldMicros()).build();
            context.forward(new Record<>(userId, flag, at), AdmissionTopology.OVERSPENT_SINK);
        }
    }
}
