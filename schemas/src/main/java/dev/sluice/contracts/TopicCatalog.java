package dev.sluice.contracts;

import java.util.List;
import java.util.Objects;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ApiKey;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.serde.AvroSerde;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every Sluice topic a stage uses, ready to use: name (with an optional prefix), serdes, partitions and the configs
 * {@link Pipeline} gives it.
 * Keys are plain UTF-8 userIds, so any producer's default partitioner co-partitions a user's requests
 * and costs. Values are Avro in the Confluent wire format, except {@code llm.dlq}, whose records are the
 * original bytes of whatever failed.
 */
public final class TopicCatalog {
    /** Default partitions of every topic; requests and costs must match (co-partitioning). */
    public static final int DEFAULT_PARTITIONS = 6;
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
    private final Topic<byte[], byte[]> gatewayFiles;
    private final Topic<byte[], byte[]> gatewayBatches;
    private final Topic<byte[], byte[]> gatewayReplies;
    private final Topic<byte[], byte[]> budgetLeaseRequests;
    private final Topic<byte[], byte[]> budgetLeaseGrants;

    public TopicCatalog(String prefix, int partitions, SchemaRegistryClient registry) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(registry, "registry");
        this.requests = avro(TopicNames.REQUESTS, LlmRequest.class, partitions, registry);
        this.admitted = avro(TopicNames.ADMITTED, AdmittedRequest.class, partitions, registry);
        this.rejected = avro(TopicNames.REJECTED, RejectedRequest.class, partitions, registry);
        this.enriched = avro(TopicNames.ENRICHED, EnrichedRequest.class, partitions, registry);
        this.results = avro(TopicNames.RESULTS, GenerationResult.class, partitions, registry);
        this.costs = avro(TopicNames.COSTS, CostEvent.class, partitions, registry);
        this.dlq = binary(TopicNames.DLQ, partitions);
        this.userPolicies = avro(TopicNames.USER_POLICIES, UserPolicy.class, partitions, registry);
        this.generationLedger = binary(TopicNames.GENERATION_LEDGER, partitions);
        // Few keys and a handful of readers (every gateway instance reads all of it): one partition keeps start-up cheap.
        this.apiKeys = avro(TopicNames.API_KEYS, ApiKey.class, partitions, registry);
        this.gatewayFiles = binary(TopicNames.GATEWAY_FILES, partitions);
        this.gatewayBatches = binary(TopicNames.GATEWAY_BATCHES, partitions);
        this.gatewayReplies = binary(TopicNames.GATEWAY_REPLIES, partitions);
        this.budgetLeaseRequests = binary(TopicNames.BUDGET_LEASE_REQUESTS, partitions);
        this.budgetLeaseGrants = binary(TopicNames.BUDGET_LEASE_GRANTS, partitions);
    }

    /** The partitions of {@code flow}: its own count if {@link Pipeline} fixes one, else the deployment's. */
    private static int partitionsOf(Pipeline.Flow flow, int deploymentDefault) {
        return flow.partitions() > 0 ? flow.partitions() : deploymentDefault;
    }

    private Topic<byte[], byte[]> binary(String name, int partitions) {
        Pipeline.Flow flow = Pipeline.flow(name);
        return new Topic<>(prefix + name, Serdes.ByteArray(), Serdes.ByteArray(), partitionsOf(flow, partitions), flow.configs());
    }

    private <V extends SpecificRecord> Topic<String, V> avro(String name, Class<V> type, int partitions, SchemaRegistryClient registry) {
        Pipeline.Flow flow = Pipeline.flow(name);
        Serde<V> serde = AvroSerde.forValue(registry, type);
        return new Topic<>(prefix + name, Serdes.String(), serde, partitionsOf(flow, partitions), flow.configs());
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

    /** The gateway's Batch API files (one JSONL line per record; one partition). */
    public Topic<byte[], byte[]> gatewayFiles() { return gatewayFiles; }

    /** The gateway's file and batch metadata (compacted JSON; one partition). */
    public Topic<byte[], byte[]> gatewayBatches() { return gatewayBatches; }

    /** The gateway's reply topic (outcomes routed to the waiting instance's partitions). */
    public Topic<byte[], byte[]> gatewayReplies() { return gatewayReplies; }

    /** Internal to ingest: requests and returns of global-ceiling slices, to the lease coordinator (one partition). */
    public Topic<byte[], byte[]> budgetLeaseRequests() { return budgetLeaseRequests; }

    /** Internal to ingest: the coordinator's grants, each to the asking task's partition; partitioned like {@link #requests()}. */
    public Topic<byte[], byte[]> budgetLeaseGrants() { return budgetLeaseGrants; }

    /** Every topic, in the order of {@link Pipeline#TOPICS}. */
    public List<Topic<?, ?>> all() {
        return List.of(requests, admitted, rejected, enriched, results, costs, dlq, userPolicies, generationLedger, apiKeys,
                gatewayFiles, gatewayBatches, gatewayReplies, budgetLeaseRequests, budgetLeaseGrants);
    }
}
