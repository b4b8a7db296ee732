package dev.sluice.ingest.ceiling;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds the coordinator's grants (arriving on this task's partition of the lease-grants topic, co-partitioned with
 * llm.requests) to the task's leases. Runs in the admission task itself, so a grant and the admissions it allows
 * share one store and one transaction.
 */
public final class LeaseGrantProcessor implements Processor<byte[], byte[], Void, Void> {
    private static final Logger log = LoggerFactory.getLogger(LeaseGrantProcessor.class);

    private final CeilingConfig config;
    private final int partitions;
    private GlobalCeiling ceiling;
    private int partition;

    public LeaseGrantProcessor(CeilingConfig config, int partitions) {
        this.config = config;
        this.partitions = partitions;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        partition = context.taskId().partition();
        ceiling = new GlobalCeiling(config, partitions, partition, context.getStateStore(CeilingTopology.TASK_LEASE_STORE),
                m -> { throw new IllegalStateException("the grant processor sends nothing"); }, context::currentSystemTimeMs);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        LeaseMessage m = LeaseMessage.decodeOrSkip(record.value(), "lease-grants");
        if (m == null) {
            return;
        }
        if (m.kind() != LeaseMessage.Kind.GRANT || m.partition() != partition) {
            log.warn("skipping a lease message for partition {} on partition {} ({})", m.partition(), partition, m.kind());
            return;
        }
        ceiling.onGrant(m, record.timestamp());
    }
}
