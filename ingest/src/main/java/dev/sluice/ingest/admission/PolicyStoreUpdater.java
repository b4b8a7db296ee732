package dev.sluice.ingest.admission;

import dev.sluice.schema.UserPolicy;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global policy store equal to the compacted llm.user-policies topic (a tombstone removes), and tells the
 * tasks' {@link PolicyCache}s after each write.
 */
final class PolicyStoreUpdater implements Processor<String, UserPolicy, Void, Void> {
    private final PolicyCache.Changes changes;
    private KeyValueStore<String, UserPolicy> store;

    PolicyStoreUpdater(PolicyCache.Changes changes) {
        this.changes = changes;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(AdmissionTopology.POLICIES_STORE);
    }

    @Override
    public void process(Record<String, UserPolicy> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), record.value());
        }
        changes.changed();
    }
}
