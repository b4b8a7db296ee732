package dev.sluice.analytics;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.serde.AvroSerde;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The analytics app's inputs (from the shared catalog) and its public outputs, {@code llm.analytics.*}: compacted
 * tables keyed by a readable window key, values Avro (schemas in this module, registered under
 * {@code <topic>-value}). The latest record per key is the current value of that window.
 */
public record AnalyticsTopics(Topic<String, CostEvent> costs, Topic<String, RejectedRequest> rejected,
                              Topic<String, UserDailySpend> spendByUserDay, Topic<String, ModelHourlySpend> spendByModelHour,
                              Topic<String, DailySavings> savingsByDay, Topic<String, RejectionCount> rejectionsByReasonHour,
                              Topic<String, TopSpenders> topSpendersByDay) {
    /** Spend per user per UTC day; key {@code <userId>|<yyyy-MM-dd>}. */
    public static final String SPEND_BY_USER_DAY = "llm.analytics.spend-by-user-day";
    /** Spend per model per UTC hour; key {@code <model>|<yyyy-MM-ddTHH:00Z>}. */
    public static final String SPEND_BY_MODEL_HOUR = "llm.analytics.spend-by-model-hour";
    /** Response-cache savings per UTC day; key {@code <yyyy-MM-dd>}. */
    public static final String SAVINGS_BY_DAY = "llm.analytics.savings-by-day";
    /** Rejections per reason per UTC hour; key {@code <REASON>|<yyyy-MM-ddTHH:00Z>}. */
    public static final String REJECTIONS_BY_REASON_HOUR = "llm.analytics.rejections-by-reason-hour";
    /** Top spenders per UTC day; key {@code <yyyy-MM-dd>}. */
    public static final String TOP_SPENDERS_BY_DAY = "llm.analytics.top-spenders-by-day";

    /** Output topics are tables: compacted, so the latest value per window survives. */
    public static final Map<String, String> TABLE_CONFIGS = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

    /** Inputs from {@code catalog}; outputs with the catalog's prefix and serdes registering under {@code registry}. */
    public static AnalyticsTopics from(TopicCatalog catalog, SchemaRegistryClient registry) {
        return new AnalyticsTopics(catalog.costs(), catalog.rejected(),
                out(catalog, SPEND_BY_USER_DAY, AvroSerde.forValue(registry, UserDailySpend.class)),
                out(catalog, SPEND_BY_MODEL_HOUR, AvroSerde.forValue(registry, ModelHourlySpend.class)),
                out(catalog, SAVINGS_BY_DAY, AvroSerde.forValue(registry, DailySavings.class)),
                out(catalog, REJECTIONS_BY_REASON_HOUR, AvroSerde.forValue(registry, RejectionCount.class)),
                out(catalog, TOP_SPENDERS_BY_DAY, AvroSerde.forValue(registry, TopSpenders.class)));
    }

    private static <V extends SpecificRecord> Topic<String, V> out(TopicCatalog catalog, String name, Serde<V> serde) {
        return new Topic<>(catalog.prefix() + name, Serdes.String(), serde, catalog.costs().partitions(), TABLE_CONFIGS);
    }

    public List<Topic<?, ?>> outputs() {
        return List.of(spendByUserDay, spendByModelHour, savingsByDay, rejectionsByReasonHour, topSpendersByDay);
    }

    /** Creates the missing output topics; leaves existing ones alone. */
    public void createOutputs(Admin admin, short replicationFactor) {
        for (Topic<?, ?> topic : outputs()) {
            try {
                admin.createTopics(Set.of(new NewTopic(topic.name(), topic.partitions(), replicationFactor).configs(topic.configs())))
                        .all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("could not create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted creating " + topic.name(), e);
            }
        }
    }
}
