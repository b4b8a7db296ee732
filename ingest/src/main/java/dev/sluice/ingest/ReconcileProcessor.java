package dev.sluice.ingest;

import dev.sluice.ingest.AdmissionMetrics.Settlement;
import dev.sluice.schema.CostEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Reconciliation: a cost event (keyed by userId, co-partitioned with requests, so it reaches the task that
 * holds the user's state) moves its request's reservation to spent. A duplicate finds no reservation and
 * changes nothing. The actual cost is charged to the UTC day of the cost event's record time.
 */
final class ReconcileProcessor implements Processor<String, CostEvent, Void, Void> {
    private final IngestConfig config;
    private final AdmissionMetrics metrics;
    private KeyValueStore<String, byte[]> users;
    private ReservationLedger ledger;

    ReconcileProcessor(IngestConfig config, AdmissionMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        users = context.getStateStore(AdmissionTopology.USER_STATE_STORE);
        ledger = new ReservationLedger(context.getStateStore(AdmissionTopology.REQUESTS_STORE), users, config, metrics);
    }

    @Override
    public void process(Record<String, CostEvent> record) {
        CostEvent cost = record.value();
        if (record.key() == null || cost == null) {
            metrics.cost(Settlement.UNMATCHED);
            return;
        }
        UserState state = UserState.decode(users.get(record.key()));
        state.rollTo(UserState.dayOf(record.timestamp()));
        Settlement outcome = ledger.settle(record.key(), cost.getRequestId(), cost.getCostMicros(), record.timestamp(), state);
        if (outcome != Settlement.UNMATCHED) {
            users.put(record.key(), state.encode());
        }
        metrics.cost(outcome);
    }
}
