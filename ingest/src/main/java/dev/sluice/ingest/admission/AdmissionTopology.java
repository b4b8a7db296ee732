package dev.sluice.ingest.admission;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import dev.sluice.common.Instances;
import dev.sluice.common.loop.LoopClients;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.ceiling.CeilingTopology;
import dev.sluice.ingest.wire.AdmittedSerializer;
import dev.sluice.ingest.wire.DeadLetterHandler;
import dev.sluice.ingest.wire.RequestDeserializer;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The admission topology, a pure function of its configuration:
 * <pre>
 *   llm.requests ──► admission-processor ──► llm.requests.admitted
 *                       │        ▲      └──► llm.requests.rejected
 *   llm.costs ──► reconcile-processor ──► llm.costs (OVERSPENT flags only; read back and ignored)
 *                 (stores: admission-user-state, admission-requests, admission-user-window; global: admission-user-policies)
 *   llm.user-policies ──► admission-user-policies (global store)
 * </pre>
 * Both processors share the per-user stores, so llm.requests and llm.costs must be co-partitioned. With a global
 * spend ceiling configured, {@link CeilingTopology} adds the lease coordinator and each task's lease.
 */
public final class AdmissionTopology {
    /** Per-user compact state: sliding-window log, today's count and spend, reserved money. */
    public static final String USER_STATE_STORE = "admission-user-state";
    /**
     * One entry per admitted request, keyed {@code userId|requestId}: dedupe within the horizon and the
     * request's reservation (outstanding until its cost or release, then settled or released). See {@link ReservationLedger}.
     */
    public static final String REQUESTS_STORE = "admission-requests";
    /**
     * The sealed chunks of long sliding windows (users with more than {@link UserState#INLINE_MAX} admissions in their
     * last minute), keyed {@code userId|seq}; see {@link WindowChunks}.
     */
    public static final String USER_WINDOW_STORE = "admission-user-window";
    /** Global copy of llm.user-policies. */
    public static final String POLICIES_STORE = "admission-user-policies";

    /** The global (policies) and restore consumers' longest broker fetch wait, ms: bounds the start-up cost of each partition. */
    static final int STARTUP_FETCH_MAX_WAIT_MS = 50;
    /**
     * How often the changelogs admission creates roll a segment, ms (10 minutes), unless the deployment names a
     * {@code topic.segment.ms}: the broker compacts only closed segments, and a restart after a crash reads back all
     * that is not compacted. At the broker's defaults (1 GiB or 7 days) that is up to a gibibyte per partition of every
     * user's state updates.
     */
    public static final long CHANGELOG_SEGMENT_MS = 600_000;

    static final String REQUESTS_SOURCE = "requests-source";
    static final String COSTS_SOURCE = "costs-source";
    static final String POLICIES_SOURCE = "user-policies-source";
    static final String ADMISSION_PROCESSOR = "admission-processor";
    static final String RECONCILE_PROCESSOR = "reconcile-processor";
    static final String POLICIES_PROCESSOR = "user-policies-processor";
    static final String ADMITTED_SINK = "admitted-sink";
    static final String REJECTED_SINK = "rejected-sink";
    static final String OVERSPENT_SINK = "overspent-sink";

    private AdmissionTopology() {}

    public static Topology build(IngestConfig config, TopicCatalog topics, AdmissionMetrics metrics) {
        Topology topology = new Topology();
        Topic<String, UserPolicy> policies = topics.userPolicies();
        PolicyCache.Changes policyChanges = new PolicyCache.Changes();
        StoreBuilder<KeyValueStore<String, UserPolicy>> policyStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(POLICIES_STORE), Serdes.String(), policies.valueSerde()).withLoggingDisabled();
        topology.addGlobalStore(policyStore, POLICIES_SOURCE, policies.keySerde().deserializer(),
                policies.valueSerde().deserializer(), policies.name(), POLICIES_PROCESSOR, () -> new PolicyStoreUpdater(policyChanges));

        topology.addSource(REQUESTS_SOURCE, topics.requests().keySerde().deserializer(),
                new RequestDeserializer(topics.requests()), topics.requests().name());
        topology.addSource(COSTS_SOURCE, topics.costs().keySerde().deserializer(),
                topics.costs().valueSerde().deserializer(), topics.costs().name());
        topology.addProcessor(ADMISSION_PROCESSOR, () -> new AdmissionProcessor(config, metrics, topics.requests().partitions(), policyChanges),
                REQUESTS_SOURCE);
        topology.addProcessor(RECONCILE_PROCESSOR, () -> new ReconcileProcessor(config, metrics), COSTS_SOURCE);
        topology.addSink(ADMITTED_SINK, topics.admitted().name(), topics.admitted().keySerde().serializer(),
                new AdmittedSerializer(topics.admitted().valueSerde().serializer()), ADMISSION_PROCESSOR);
        topology.addSink(REJECTED_SINK, topics.rejected().name(), topics.rejected().keySerde().serializer(),
                topics.rejected().valueSerde().serializer(), ADMISSION_PROCESSOR);

        topology.addSink(OVERSPENT_SINK, topics.costs().name(), topics.costs().keySerde().serializer(),
                topics.costs().valueSerde().serializer(), RECONCILE_PROCESSOR);

        // The two stores every request reads and writes: their RocksDB copies written in key order, in batches.
        topology.addStateStore(Stores.keyValueStoreBuilder(config.userStateInMemory() ? Stores.inMemoryKeyValueStore(USER_STATE_STORE)
                : SortedBatchStore.around(Stores.persistentKeyValueStore(USER_STATE_STORE)),
                Serdes.String(), Serdes.ByteArray()), ADMISSION_PROCESSOR, RECONCILE_PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(SortedBatchStore.around(Stores.persistentKeyValueStore(REQUESTS_STORE)),
                Serdes.String(), Serdes.ByteArray()), ADMISSION_PROCESSOR, RECONCILE_PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USER_WINDOW_STORE),
                Serdes.String(), Serdes.ByteArray()), ADMISSION_PROCESSOR, RECONCILE_PROCESSOR);
        if (config.ceiling().enabled()) {
            CeilingTopology.addTo(topology, config.ceiling(), topics, ADMISSION_PROCESSOR);
        }
        return topology;
    }

    /**
     * The Streams settings admission needs: exactly_once_v2, explicit naming of internal resources, dead
     * letters to llm.dlq through {@link DeadLetterHandler}. {@code kafkaClient} (bootstrap servers, security)
     * goes in first, so these cannot be overridden by accident.
     */
    @SuppressWarnings("deprecation") // PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG: deprecated as it becomes the default (5.0)
    public static Properties streamsProperties(IngestConfig config, TopicCatalog topics, Map<String, Object> kafkaClient) {
        Map<String, Object> p = new HashMap<>(kafkaClient);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.dlq().name());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        p.put(DeadLetterHandler.GLOBAL_TOPICS_CONFIG, topics.userPolicies().name());
        // The global (policies) thread uses the processing exception handler too: the default in 5.0; in 4.3 every
        // StreamsConfig built with it off warns (on, one warning a stream thread remains: Kafka's partition assignor
        // builds its config from the consumer's settings, which lack it). With the default handler (log and fail) nothing
        // changes: an exception in the policies processor still stops the stage, as it did before.
        p.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        // Never wait for llm.costs before processing buffered requests (and skip Streams' per-record idle bookkeeping,
        // which formats log strings for every record while one input partition is empty). Safe: a cost event
        // processed later only keeps money reserved longer, so the budget check stays conservative.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        // The global policies store is read to its end, partition by partition, before any task starts; each (mostly empty)
        // partition cost one broker fetch wait (500 ms by default): 2.9 s of a 6.9 s start as deployed (2026-12-02).
        p.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), STARTUP_FETCH_MAX_WAIT_MS);
        // Likewise the restore consumer: after the assignment, tasks whose changelogs hold nothing new waited out broker
        // fetch waits one after another (as deployed, 2026-12-03: six tasks restored over 1.2 s with empty changelogs).
        p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), STARTUP_FETCH_MAX_WAIT_MS);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        // Changelog segments the broker can compact soon: a crash wipes exactly-once state that was not closed cleanly, and
        // the restart reads the changelogs back, compacted or not. With 5-second segments (DeployedRestartBenchmark,
        // 2026-12-07: 1,000,000 requests of 10,000 users, 30 s for the cleaner) 1,246,589 records were left of 2,000,000,
        // and the crash cost 2.3 s of restore against 4.0 s. Topics created from now on; existing ones keep their settings.
        p.putIfAbsent(StreamsConfig.topicPrefix(TopicConfig.SEGMENT_MS_CONFIG), CHANGELOG_SEGMENT_MS);
        // Static membership: an instance restarted after a crash (SIGKILL, OOM) rejoins as the member it was and gets its
        // tasks back at once. As a new member it first waited for the broker to expire the dead one (the session timeout,
        // 45 s): its first outcome came 47.1 s after the restart against 7.5 s now (DeployedRestartBenchmark, 2026-12-07).
        Instances.joinAsStaticMember(p, config.instanceId());
        // Bloom filters on every sorted run of the admitted-requests store, whose lookups (one per new request) almost
        // all miss (why: AdmissionRocksDb), unless the deployment names its own setter (`kafka.rocksdb.config.setter`),
        // which then replaces this one.
        p.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, AdmissionRocksDb.class.getName());
        // The larger producer batches every stage's transactional producer gets (LoopClients), unless the Kafka client
        // settings name a size (`kafka.batch.size` or `kafka.producer.batch.size`): a drain's admitted records and
        // changelog writes filled the producer's 16 KB batches between commits and went out as many small produce requests. As deployed (2026-12-05, 1,000,000-request
        // drains, two rounds): broker CPU per request 4.4-5.3 µs against 7.4-7.5, the whole drain +12 to +16 %. Live
        // traffic sends a commit's records at the commit, far below either size, so its latency does not change.
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, LoopClients.DEFAULT_BATCH_BYTES);
        // The short first retry backoff every stage's transactional producer gets (why: LoopClients), unless the Kafka
        // client settings name one (`kafka.retry.backoff.ms` or `kafka.producer.retry.backoff.ms`); the producer's only,
        // the consumers keep theirs. At the client's 100 ms, admission's p99 share at 1,000 requests/s with early commits
        // was 120-138 ms against 34 ms (2026-12-05, EndToEndBenchmark).
        if (!p.containsKey(ProducerConfig.RETRY_BACKOFF_MS_CONFIG)
                && !p.containsKey(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG))) {
            p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), LoopClients.DEFAULT_PRODUCER_RETRY_BACKOFF_MS);
        }
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }
}
