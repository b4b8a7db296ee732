package dev.sluice.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ApiKey;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.schemas.registry.SchemaRegistryClient;
import dev.sluice.schemas.serde.AvroSerde;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every Sluice topic in one place: name (with an optional prefix), serdes, partitions and configs.
 * Keys are plain UTF-8 userIds, so any producer's default partitioner co-partitions a user's requests
 * and costs. Values are Avro in the Confluent wire format, except {@code llm.dlq}, whose records are the
 * original bytes of whatever failed.
 */
public final class TopicCatalog {
    /** Default partitions of every topic; requests and costs must match (co-partitioning). */
    public static final int DEFAULT_PARTITIONS = 6;
    /** Default retention of event topics: 7 days, in milliseconds. */
    public static final long DEFAULT_RETENTION_MS = 7L * 24 * 3600 * 1000;
    /** Retention of the dead-letter topic: 30 days, in milliseconds, so there is time to fix and replay. */
    public static final long DLQ_RETENTION_MS = 30L * 24 * 3600 * 1000;

    /**
     * Configs of the topics whose record time guards limits and money ({@code llm.requests}, {@code llm.costs}):
     * {@code message.timestamp.type=LogAppendTime}, so the broker, not the producer, stamps every record. Admission
     * decides windows, UTC days and horizons on that time, and its outputs inherit it, so an output can never be
     * older than its input's arrival and fall to retention before anyone read it.
     */
    public static final Map<String, String> BROKER_TIME = Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");

    /**
     * Retention of the generation ledger: 40 days, in milliseconds: longer than a dead letter (30 days) plus an
     * enriched record (7 days) can wait before it is replayed, so a replay always finds its request's entry.
     */
    public static final long LEDGER_RETENTION_MS = 40L * 24 * 3600 * 1000;

    private final String prefix;
    private final Topic<String, LlmRequest> requests;
    private final Topic<String, AdmittedRequest> admitted;
    private final Topic<String, RejectedRequest> rejected;
    private final Topic<String, EnrichedRequest> enriched;
    private final Topic<String, GenerationResult> results;
    private final Topic<String, CostEvent> costs;
    private final Topic<byte[], byte[]> dlq;
    private final Topic<String, UserPolicy> userPolicies;
    private final Topic<byte[], byte[]> generationLedger;
    private final Topic<String, ApiKey> apiKeys;
    private final Topic<byte[], byte[]> budgetLeaseRequests;
    private final Topic<byte[], byte[]> budgetLeaseGrants;

    public TopicCatalog(String prefix, int partitions, SchemaRegistryClient registry) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(registry, "registry");
        Map<String, String> events = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(DEFAULT_RETENTION_MS));
        Map<String, String> brokerTimed = new java.util.HashMap<>(events);
        brokerTimed.putAll(BROKER_TIME);
        this.requests = avro(TopicNames.REQUESTS, LlmRequest.class, partitions, brokerTimed, registry);
        this.admitted = avro(TopicNames.ADMITTED, AdmittedRequest.class, partitions, events, registry);
        this.rejected = avro(TopicNames.REJECTED, RejectedRequest.class, partitions, events, registry);
        this.enriched = avro(TopicNames.ENRICHED, EnrichedRequest.class, partitions, events, registry);
        this.results = avro(TopicNames.RESULTS, GenerationResult.class, partitions, events, registry);
        this.costs = avro(TopicNames.COSTS, CostEvent.class, partitions, brokerTimed, registry);
        this.dlq = new Topic<>(prefix + TopicNames.DLQ, Serdes.ByteArray(), Serdes.ByteArray(), partitions,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(DLQ_RETENTION_MS)));
        this.userPolicies = avro(TopicNames.USER_POLICIES, UserPolicy.class, partitions,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT), registry);
        this.generationLedger = new Topic<>(prefix + TopicNames.GENERATION_LEDGER, Serdes.ByteArray(), Serdes.ByteArray(),
                partitions, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(LEDGER_RETENTION_MS)));
        // Few keys and a handful of readers (every gateway instance reads all of it): one partition keeps start-up cheap.
        this.apiKeys = avro(TopicNames.API_KEYS, ApiKey.class, 1,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT), registry);
        // Global spend ceiling (ingest): a handful of records per ceiling window, never one per request. One partition
        // for the requests, so a single coordinator task decides every grant; the grants go back to the partition of
        // the admission task that asked, so they need llm.requests' partition count. A lease only lives for its
        // window (at most a UTC day), so a day of retention is plenty.
        Map<String, String> leases = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(2L * 24 * 3600 * 1000));
        this.budgetLeaseRequests = new Topic<>(prefix + TopicNames.BUDGET_LEASE_REQUESTS, Serdes.ByteArray(), Serdes.ByteArray(),
                1, leases);
        this.budgetLeaseGrants = new Topic<>(prefix + TopicNames.BUDGET_LEASE_GRANTS, Serdes.ByteArray(), Serdes.ByteArray(),
                partitions, leases);
    }

    private <V extends SpecificRecord> Topic<String, V> avro(String name, Class<V> type, int partitions,
                                                             Map<String, String> configs, SchemaRegistryClient registry) {
        Serde<V> serde = AvroSerde.forValue(registry, type);
        return new Topic<>(prefix + name, Serdes.String(), serde, partitions, configs);
    }

    public String prefix() { return prefix; }
    public Topic<String, LlmRequest> requests() { return requests; }
    public Topic<String, AdmittedRequest> admitted() { return admitted; }
    public Topic<String, RejectedRequest> rejected() { return rejected; }
    public Topic<String, EnrichedRequest> enriched() { return enriched; }
    public Topic<String, GenerationResult> results() { return results; }
    public Topic<String, CostEvent> costs() { return costs; }
    public Topic<byte[], byte[]> dlq() { return dlq; }
    public Topic<String, UserPolicy> userPolicies() { return userPolicies; }
    /** Internal to generation; same partition count as {@link #enriched()}. */
    public Topic<byte[], byte[]> generationLedger() { return generationLedger; }

    /** Hashed API keys of the gateway (compacted, one partition). */
    public Topic<String, ApiKey> apiKeys() { return apiKeys; }

    /** Internal to ingest: requests and returns of global-ceiling slices, to the lease coordinator (one partition). */
    public Topic<byte[], byte[]> budgetLeaseRequests() { return budgetLeaseRequests; }

    /** Internal to ingest: the coordinator's grants, each to the asking task's partition; partitioned like {@link #requests()}. */
    public Topic<byte[], byte[]> budgetLeaseGrants() { return budgetLeaseGrants; }

    /** Every topic, in pipeline order. */
    public List<Topic<?, ?>> all() {
        return List.of(requests, admitted, rejected, enriched, results, costs, dlq, userPolicies, generationLedger, apiKeys,
                budgetLeaseRequests, budgetLeaseGrants);
    }

    /**
     * Creates every missing topic and leaves existing ones alone (idempotent). Returns the names it created.
     * Fails if an existing topic that must be co-partitioned with {@code llm.requests} has a different
     * partition count, since per-user state would then be split across tasks.
     */
    public List<String> createAll(Admin admin, short replicationFactor) {
        List<String> created = new ArrayList<>();
        try {
            for (Topic<?, ?> topic : all()) {
                try {
                    admin.createTopics(Set.of(new NewTopic(topic.name(), topic.partitions(), replicationFactor)
                            .configs(topic.configs()))).all().get();
                    created.add(topic.name());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            requireCoPartitioned(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics", e);
        }
        return created;
    }

    /** How long {@link #requireCoPartitioned} waits for the metadata of topics created a moment ago. */
    static final long METADATA_WAIT_MILLIS = 15_000;

    /**
     * Fails with a message naming both topics if {@code llm.costs} is not partitioned like {@code llm.requests}.
     * Topics created a moment ago may not be known to every broker yet, so an unknown topic is retried for up to
     * {@value #METADATA_WAIT_MILLIS} ms before it counts as missing.
     */
    public void requireCoPartitioned(Admin admin) throws InterruptedException {
        long deadline = System.nanoTime() + METADATA_WAIT_MILLIS * 1_000_000;
        while (true) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(List.of(requests.name(), costs.name()))
                        .allTopicNames().get();
                int requestPartitions = described.get(requests.name()).partitions().size();
                int costPartitions = described.get(costs.name()).partitions().size();
                if (requestPartitions != costPartitions) {
                    throw new IllegalStateException(costs.name() + " has " + costPartitions + " partitions but " + requests.name()
                            + " has " + requestPartitions + "; they must be equal so a user's costs reach the task holding its budget");
                }
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not describe " + requests.name() + " and " + costs.name() + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Registers every value schema under its {@code <topic>-value} subject so producers in other services
     * can fetch it. Returns subject → schema id.
     */
    public Map<String, Integer> registerSchemas(SchemaRegistryClient registry) {
        Map<String, Integer> ids = new java.util.LinkedHashMap<>();
        register(registry, requests, LlmRequest.class, ids);
        register(registry, admitted, AdmittedRequest.class, ids);
        register(registry, rejected, RejectedRequest.class, ids);
        register(registry, enriched, EnrichedRequest.class, ids);
        register(registry, results, GenerationResult.class, ids);
        register(registry, costs, CostEvent.class, ids);
        register(registry, userPolicies, UserPolicy.class, ids);
        register(registry, apiKeys, ApiKey.class, ids);
        return ids;
    }

    private static void register(SchemaRegistryClient registry, Topic<?, ?> topic, Class<? extends SpecificRecord> type,
                                 Map<String, Integer> ids) {
        ids.put(topic.valueSubject(), registry.register(topic.valueSubject(), SpecificData.get().getSchema(type)));
    }
}
