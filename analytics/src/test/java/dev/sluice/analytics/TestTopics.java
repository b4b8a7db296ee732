package dev.sluice.analytics;

import dev.sluice.analytics.internal.AvroBinarySerde;
import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicNames;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

/** Analytics topics with registry-free serdes, for TopologyTestDriver tests. */
final class TestTopics {
    private TestTopics() {}

    static AnalyticsTopics binary() {
        return new AnalyticsTopics(topic(TopicNames.COSTS, CostEvent.class), topic(TopicNames.REJECTED, RejectedRequest.class),
                topic(AnalyticsTopics.SPEND_BY_USER_DAY, UserDailySpend.class), topic(AnalyticsTopics.SPEND_BY_MODEL_HOUR, ModelHourlySpend.class),
                topic(AnalyticsTopics.SAVINGS_BY_DAY, DailySavings.class), topic(AnalyticsTopics.REJECTIONS_BY_REASON_HOUR, RejectionCount.class),
                topic(AnalyticsTopics.TOP_SPENDERS_BY_DAY, TopSpenders.class));
    }

    private static <V extends SpecificRecord> Topic<String, V> topic(String name, Class<V> type) {
        return new Topic<>(name, Serdes.String(), AvroBinarySerde.of(type), 1, AnalyticsTopics.TABLE_CONFIGS);
    }
}
