package dev.sluice.ingest.ceiling;

import java.util.Optional;
import java.util.Set;

import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/**
 * The global ceiling's part of the admission topology, added only when a ceiling is configured:
 * <pre>
 *   admission-processor ──► llm.budget.lease-requests (1 partition) ──► lease-coordinator ──► llm.budget.lease-grants
 *   llm.budget.lease-grants (partition p) ──► lease-grant-processor (task p: admission-global-lease, shared with admission)
 * </pre>
 */
public final class CeilingTopology {
    /** Per admission task: its lease of each window (key = window name). Shared with the admission processor. */
    public static final String TASK_LEASE_STORE = "admission-global-lease";
    /** The coordinator's store: per window, which window it is and how much of its pool is granted. */
    public static final String COORDINATOR_STORE = "global-budget-coordinator";
    /** Sink of lease requests and returns (key: the asking partition, value: a {@link LeaseMessage}); a child of the admission processor. */
    public static final String LEASE_REQUEST_SINK = "lease-request-sink";

    static final String LEASE_REQUEST_SOURCE = "lease-request-source";
    static final String COORDINATOR = "lease-coordinator";
    static final String LEASE_GRANT_SINK = "lease-grant-sink";
    static final String LEASE_GRANT_SOURCE = "lease-grant-source";
    static final String LEASE_GRANT_PROCESSOR = "lease-grant-processor";

    private CeilingTopology() {}

    /** Adds the ceiling's nodes; {@code admissionProcessor} gets the lease-request sink and shares the task lease store. */
    public static void addTo(Topology topology, CeilingConfig config, TopicCatalog topics, String admissionProcessor) {
        int partitions = topics.requests().partitions();
        topology.addSink(LEASE_REQUEST_SINK, topics.budgetLeaseRequests().name(), new StringSerializer(),
                (Serializer<LeaseMessage>) (topic, m) -> m.encode(), admissionProcessor);
        topology.addSource(LEASE_REQUEST_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                topics.budgetLeaseRequests().name());
        topology.addProcessor(COORDINATOR, () -> new LeaseCoordinator(config, partitions, LEASE_GRANT_SINK), LEASE_REQUEST_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COORDINATOR_STORE),
                Serdes.String(), Serdes.ByteArray()), COORDINATOR);
        topology.addSink(LEASE_GRANT_SINK, topics.budgetLeaseGrants().name(), new ByteArraySerializer(), new ByteArraySerializer(),
                new ToAskingPartition(), COORDINATOR);

        topology.addSource(LEASE_GRANT_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                topics.budgetLeaseGrants().name());
        topology.addProcessor(LEASE_GRANT_PROCESSOR, () -> new LeaseGrantProcessor(config, partitions), LEASE_GRANT_SOURCE);
        // Every admission writes its task's lease (one key per window): the record cache folds those writes into one
        // changelog record per key per commit, where admission's other stores (one key per user or request) gain nothing
        // from it. Under exactly_once_v2 the cache is flushed inside the commit's transaction.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TASK_LEASE_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), admissionProcessor, LEASE_GRANT_PROCESSOR);
    }

    /** A grant goes to the partition of the task that asked (carried in the message). */
    static final class ToAskingPartition implements StreamPartitioner<byte[], byte[]> {
        @Override
        public Optional<Set<Integer>> partitions(String topic, byte[] key, byte[] value, int numPartitions) {
            int p = LeaseMessage.decode(value).partition();
            if (p >= numPartitions) {
                throw new IllegalStateException(topic + " has " + numPartitions + " partitions; a grant for partition " + p
                        + " cannot reach its task (the lease-grants topic must be partitioned like llm.requests)");
            }
            return Optional.of(Set.of(p));
        }
    }
}
