package dev.sluice.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Function;

import dev.sluice.common.UtcWindows;
import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.SpendTotals;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AnalyticsTopologyTest {
    private static final Instant DAY_ONE = Instant.parse("2025-03-01T00:00:00Z");
    private final AnalyticsTopics topics = TestTopics.binary();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AnalyticsMetrics metrics = new AnalyticsMetrics(meters);
    private TopologyTestDriver driver;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private TestInputTopic<String, CostEvent> start(AnalyticsConfig config) {
        Topology topology = AnalyticsTopology.build(topics, config, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "analytics-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        driver = new TopologyTestDriver(topology, props);
        return driver.createInputTopic(topics.costs().name(), Serdes.String().serializer(), topics.costs().valueSerde().serializer());
    }

    @Test
    void shouldTotalExactlyTheDistinctCostEventsWhenEventsAreDuplicatedAndLate() {
        CostWorkload workload = CostWorkload.generate(42, 600, DAY_ONE, Duration.ofDays(3), Duration.ofMinutes(40), 0.25);
        assertThat(workload.delivered().size()).as("the workload has duplicates").isGreaterThan(workload.distinct().size() + 100);
        TestInputTopic<String, CostEvent> costs = start(AnalyticsConfig.defaults());

        workload.delivered().forEach(e -> costs.pipeInput(e.getUserId(), e, e.getOccurredAt()));

        Map<String, UserDailySpend> userDay = driver.createOutputTopic(topics.spendByUserDay().name(), Serdes.String().deserializer(),
                topics.spendByUserDay().valueSerde().deserializer()).readKeyValuesToMap();
        assertTotals(userDay, UserDailySpend::getTotals, CostWorkload.sums(workload.distinct(),
                e -> e.getUserId() + "|" + UtcWindows.day(e.getOccurredAt().toEpochMilli())));
        Map<String, ModelHourlySpend> modelHour = driver.createOutputTopic(topics.spendByModelHour().name(), Serdes.String().deserializer(),
                topics.spendByModelHour().valueSerde().deserializer()).readKeyValuesToMap();
        assertTotals(modelHour, ModelHourlySpend::getTotals, CostWorkload.sums(workload.distinct(),
                e -> e.getModel() + "|" + UtcWindows.hour(e.getOccurredAt().toEpochMilli())));
        Map<String, DailySavings> savings = driver.createOutputTopic(topics.savingsByDay().name(), Serdes.String().deserializer(),
                topics.savingsByDay().valueSerde().deserializer()).readKeyValuesToMap();
        assertTotals(savings, DailySavings::getTotals, CostWorkload.sums(workload.distinct(), e -> UtcWindows.day(e.getOccurredAt().toEpochMilli())));
        assertThat(savings.values().stream().mapToLong(s -> s.getTotals().getSavedMicros()).sum()).isPositive();

        Map<String, TopSpenders> top = driver.createOutputTopic(topics.topSpendersByDay().name(), Serdes.String().deserializer(),
                topics.topSpendersByDay().valueSerde().deserializer()).readKeyValuesToMap();
        Map<String, long[]> byUserDay = CostWorkload.sums(workload.distinct(), e -> UtcWindows.day(e.getOccurredAt().toEpochMilli()) + "|" + e.getUserId());
        for (String day : top.keySet()) {
            List<String> expected = byUserDay.entrySet().stream().filter(en -> en.getKey().startsWith(day))
                    .sorted(Comparator.<Map.Entry<String, long[]>>comparingLong(en -> en.getValue()[1]).reversed()
                            .thenComparing(Map.Entry::getKey))
                    .limit(AnalyticsConfig.DEFAULT_TOP_SPENDERS)
                    .map(en -> en.getKey().substring(day.length() + 1) + "=" + en.getValue()[1]).toList();
            assertThat(top.get(day).getSpenders()).map(s -> s.getUserId() + "=" + s.getCostMicros()).as(day).isEqualTo(expected);
        }
        assertThat(top).hasSize(3);
        assertThat(metrics.duplicateCount()).isEqualTo(workload.delivered().size() - workload.distinct().size());
        assertThat(metrics.lateDroppedCount(AnalyticsTopology.MODEL_HOUR)).as("40 min late is within the 1 h grace").isZero();
    }

    @Test
    void shouldLandALateEventInItsWindowWithinGraceAndDropAndCountItBeyond() {
        TestInputTopic<String, CostEvent> costs = start(AnalyticsConfig.defaults().withGrace(Duration.ofMinutes(10)));
        Instant ten = DAY_ONE.plus(Duration.ofHours(10));
        costs.pipeInput("u1", cost("u1", ten, 100), ten);
        costs.pipeInput("u1", cost("u1", ten.plus(Duration.ofMinutes(65)), 1000), ten.plus(Duration.ofMinutes(65)));
        // Stream time 11:05, the 10:00 window closes at 11:00 + 10 min grace: an event of 10:50 still counts.
        costs.pipeInput("u1", cost("u1", ten.plus(Duration.ofMinutes(50)), 20), ten.plus(Duration.ofMinutes(50)));
        costs.pipeInput("u1", cost("u1", ten.plus(Duration.ofMinutes(90)), 5000), ten.plus(Duration.ofMinutes(90)));
        // Stream time 11:30: the 10:00 window has closed; an event of 10:55 is dropped from the hourly table...
        costs.pipeInput("u1", cost("u1", ten.plus(Duration.ofMinutes(55)), 3), ten.plus(Duration.ofMinutes(55)));

        Map<String, ModelHourlySpend> modelHour = driver.createOutputTopic(topics.spendByModelHour().name(), Serdes.String().deserializer(),
                topics.spendByModelHour().valueSerde().deserializer()).readKeyValuesToMap();
        assertThat(modelHour.get("gpt-4o-mini|2025-03-01T10:00Z").getTotals().getCostMicros()).isEqualTo(120);
        assertThat(modelHour.get("gpt-4o-mini|2025-03-01T11:00Z").getTotals().getCostMicros()).isEqualTo(6000);
        assertThat(metrics.lateDroppedCount(AnalyticsTopology.MODEL_HOUR)).isEqualTo(1);
        assertThat(meters.find("sluice.analytics.late.dropped").tag("aggregation", "model-hour").counter().count()).isEqualTo(1);
        // ...but its day is still open, so the daily table has it.
        Map<String, UserDailySpend> userDay = driver.createOutputTopic(topics.spendByUserDay().name(), Serdes.String().deserializer(),
                topics.spendByUserDay().valueSerde().deserializer()).readKeyValuesToMap();
        assertThat(userDay.get("u1|2025-03-01").getTotals().getCostMicros()).isEqualTo(6123);
        assertThat(metrics.lateDroppedCount(AnalyticsTopology.USER_DAY)).isZero();
    }

    @Test
    void shouldSumOnlyChargedEventsAndNotLetAReleaseOrAnOverspendFlagHideTheCharge() {
        TestInputTopic<String, CostEvent> costs = start(AnalyticsConfig.defaults());
        Instant ten = DAY_ONE.plus(Duration.ofHours(10));
        CostEvent charged = cost("u1", ten, 700);
        // Admission's flag for the same request arrives first: it must neither count nor take the charge's dedupe slot.
        costs.pipeInput("u1", CostEvent.newBuilder(charged).setKind(CostKind.OVERSPENT).setReservedMicros(500).build(), ten);
        costs.pipeInput("u1", charged, ten);
        costs.pipeInput("u1", CostEvent.newBuilder(cost("u1", ten, 0)).setKind(CostKind.RELEASED).setProvider("dlq-discard").build(), ten);

        Map<String, UserDailySpend> userDay = driver.createOutputTopic(topics.spendByUserDay().name(), Serdes.String().deserializer(),
                topics.spendByUserDay().valueSerde().deserializer()).readKeyValuesToMap();
        SpendTotals totals = userDay.get("u1|2025-03-01").getTotals();
        assertThat(totals.getCostMicros()).isEqualTo(700);
        assertThat(totals.getRequests()).isEqualTo(1);
    }

    @Test
    void shouldCountRejectionsPerReasonPerHourWhenRejectionsArrive() {
        start(AnalyticsConfig.defaults());
        TestInputTopic<String, RejectedRequest> rejected = driver.createInputTopic(topics.rejected().name(), Serdes.String().serializer(),
                topics.rejected().valueSerde().serializer());
        Instant nine = DAY_ONE.plus(Duration.ofHours(9));
        rejected.pipeInput("u1", rejection("u1", RejectReason.RATE_LIMITED, nine.plusSeconds(10)));
        rejected.pipeInput("u2", rejection("u2", RejectReason.RATE_LIMITED, nine.plusSeconds(20)));
        rejected.pipeInput("u1", rejection("u1", RejectReason.BUDGET_EXCEEDED, nine.plusSeconds(30)));
        rejected.pipeInput("u3", rejection("u3", RejectReason.RATE_LIMITED, nine.plus(Duration.ofMinutes(70))));

        Map<String, RejectionCount> counts = driver.createOutputTopic(topics.rejectionsByReasonHour().name(), Serdes.String().deserializer(),
                topics.rejectionsByReasonHour().valueSerde().deserializer()).readKeyValuesToMap();
        assertThat(counts).hasSize(3);
        assertThat(counts.get("RATE_LIMITED|2025-03-01T09:00Z").getCount()).isEqualTo(2);
        assertThat(counts.get("BUDGET_EXCEEDED|2025-03-01T09:00Z").getCount()).isEqualTo(1);
        assertThat(counts.get("RATE_LIMITED|2025-03-01T10:00Z").getCount()).isEqualTo(1);
        assertThat(meters.find("sluice.analytics.rejections").tag("reason", "RATE_LIMITED").counter().count()).isEqualTo(3);
    }

    @Test
    void shouldNameEveryStoreAndInternalTopicExplicitly() {
        String description = AnalyticsTopology.build(topics, AnalyticsConfig.defaults(), metrics).describe().toString();
        assertThat(description).contains(AnalyticsTopology.DEDUPE_STORE, AnalyticsTopology.USER_DAY_STORE,
                AnalyticsTopology.BY_MODEL_REPARTITION + "-repartition");
        assertThat(description).doesNotContainPattern("KSTREAM-[A-Z]+-\\d+-(store|repartition)|STATE-STORE-\\d+");
    }

    private static <V> void assertTotals(Map<String, V> actual, Function<V, SpendTotals> totals, Map<String, long[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((key, sums) -> {
            SpendTotals t = totals.apply(actual.get(key));
            assertThat(new long[] {t.getRequests(), t.getCostMicros(), t.getSavedMicros(), t.getCacheHits()}).as(key).containsExactly(sums);
        });
    }

    static CostEvent cost(String user, Instant at, long micros) {
        return CostEvent.newBuilder().setRequestId(UUID.randomUUID().toString()).setUserId(user).setModel("gpt-4o-mini")
                .setProvider("simulated").setInputTokens(10).setOutputTokens(10).setCostMicros(micros).setOccurredAt(at).build();
    }

    private static RejectedRequest rejection(String user, RejectReason reason, Instant at) {
        return RejectedRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setUserId(user).setModel("gpt-4o-mini")
                .setReason(reason).setDetail("test").setRequestCreatedAt(at).setRejectedAt(at).build();
    }
}
