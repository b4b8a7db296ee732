package dev.sluice.contracts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ApiKey;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.UserPolicy;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What a deployment does to the broker and the registry for a {@link TopicCatalog}: creates the topics (idempotent,
 * with {@link Pipeline}'s configs and partitions), checks the co-partitioning admission relies on, and registers the
 * value schemas. The catalog itself only describes the topics.
 */
public final class TopicSetup {
    private TopicSetup() {}

    /**
     * Creates every missing topic and leaves existing ones alone (idempotent). Returns the names it created.
     * Fails if an existing topic that must be co-partitioned with {@code llm.requests} has a different
     * partition count, since per-user state would then be split across tasks.
     */
    public static List<String> createAll(TopicCatalog catalog, Admin admin, short replicationFactor) {
        List<String> created = new ArrayList<>();
        try {
            for (Topic<?, ?> topic : catalog.all()) {
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
            requireCoPartitioned(catalog, admin);
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
    public static void requireCoPartitioned(TopicCatalog catalog, Admin admin) throws InterruptedException {
        Topic<?, ?> requests = catalog.requests();
        Topic<?, ?> costs = catalog.costs();
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
    public static Map<String, Integer> registerSchemas(TopicCatalog catalog, SchemaRegistryClient registry) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        register(registry, catalog.requests(), LlmRequest.class, ids);
        register(registry, catalog.admitted(), AdmittedRequest.class, ids);
        register(registry, catalog.rejected(), RejectedRequest.class, ids);
        register(registry, catalog.enriched(), EnrichedRequest.class, ids);
        register(registry, catalog.results(), GenerationResult.class, ids);
        register(registry, catalog.costs(), CostEvent.class, ids);
        register(registry, catalog.userPolicies(), UserPolicy.class, ids);
        register(registry, catalog.apiKeys(), ApiKey.class, ids);
        return ids;
    }

    private static void register(SchemaRegistryClient registry, Topic<?, ?> topic, Class<? extends SpecificRecord> type,
                                 Map<String, Integer> ids) {
        ids.put(topic.valueSubject(), registry.register(topic.valueSubject(), SpecificData.get().getSchema(type)));
    }
}
