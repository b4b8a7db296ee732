package dev.sluice.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.analytics.dashboard.TableTail;
import dev.sluice.analytics.dashboard.Tables;
import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.UtcWindows;
import dev.sluice.schema.CostEvent;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class AnalyticsStageIT {
    private static final Instant DAY_ONE = Instant.parse("2025-03-01T00:00:00Z");

    @Test
    void shouldPublishTotalsOfDistinctCostEventsAndDropEventsBeyondGrace(KafkaBroker kafka, SchemaRegistryServer registryServer)
            throws Exception {
        String prefix = SluiceInfra.uniquePrefix("analytics");
        SchemaRegistryClient registry = new SchemaRegistryClient(registryServer.url());
        TopicCatalog catalog = new TopicCatalog(prefix, 3, registry);
        // A whole workload produced at once lets the partitions of a repartitioned stream run days apart, so the
        // grace here is generous; the grace boundary itself is pinned by AnalyticsTopologyTest.
        SluiceConfig config = SluiceConfig.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registryServer.url(), "topic.prefix", prefix, "topic.partitions", "3",
                "state.dir", SluiceInfra.workDir("analytics-state").resolve(prefix).toString(),
                AnalyticsConfig.GRACE_MS, Long.toString(Duration.ofDays(30).toMillis()), AnalyticsConfig.COMMIT_INTERVAL_MS, "200",
                dev.sluice.analytics.dashboard.DashboardConfig.PORT, "0"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CostWorkload workload = CostWorkload.generate(7, 400, DAY_ONE, Duration.ofDays(2), Duration.ofMinutes(40), 0.3);
        AnalyticsTopics topics = AnalyticsTopics.from(catalog, registry);
        Tables tables = new Tables(topics, catalog); // what the dashboard and `sluice report --json` read

        kafka.createTopics(3, catalog.all().stream().map(t -> t.name()).toArray(String[]::new));

        try (AnalyticsStage stage = new AnalyticsStage(config, catalog, meters);
             TableTail tail = new TableTail(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), tables)) {
            stage.start();
            tail.start();
            send(kafka, catalog, workload.delivered());

            Map<String, long[]> expectedUserDay = CostWorkload.sums(workload.distinct(), e -> e.getUserId() + "|" + UtcWindows.day(e.getOccurredAt().toEpochMilli()));
            Map<String, long[]> expectedModelHour = CostWorkload.sums(workload.distinct(), e -> e.getModel() + "|" + UtcWindows.hour(e.getOccurredAt().toEpochMilli()));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(sums(tables.snapshot().userDays(), r -> r.getUserId() + "|" + r.getDay(), UserDailySpend::getTotals))
                        .isEqualTo(flatten(expectedUserDay));
                assertThat(sums(tables.snapshot().modelHours(),
                        r -> r.getModel() + "|" + UtcWindows.hour(r.getWindowStart().toEpochMilli()), ModelHourlySpend::getTotals))
                        .isEqualTo(flatten(expectedModelHour));
            });
            assertThat(stage.health().ready()).isTrue();

            // Sixty days older than anything seen: beyond the 30-day grace of every window.
            CostEvent ancient = CostEvent.newBuilder(workload.distinct().get(0)).setRequestId("ancient-request")
                    .setOccurredAt(DAY_ONE.minus(Duration.ofDays(60))).build();
            send(kafka, catalog, List.of(ancient));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    meters.find("sluice.analytics.late.dropped").tag("aggregation", AnalyticsTopology.USER_DAY).counter()).isNotNull());
            assertThat(sums(tables.snapshot().userDays(), r -> r.getUserId() + "|" + r.getDay(), UserDailySpend::getTotals))
                    .isEqualTo(flatten(expectedUserDay));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Collection<DailySavings> savings = tables.snapshot().savings();
                assertThat(savings.stream().mapToLong(s -> s.getTotals().getSavedMicros()).sum())
                        .isEqualTo(workload.distinct().stream().mapToLong(CostEvent::getSavedMicros).sum());
            });
            assertThat(meters.find("sluice.analytics.cost.events").tag("outcome", "duplicate").counter().count())
                    .isGreaterThanOrEqualTo(workload.delivered().size() - workload.distinct().size());
        }
        // closed, the stage left its consumer group: a replacement takes its tasks at once, not after the session timeout
        try (Admin admin = kafka.admin()) {
            String group = prefix + AnalyticsConfig.DEFAULT_APPLICATION_ID;
            assertThat(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().members()).isEmpty();
        }
    }

    private static void send(KafkaBroker kafka, TopicCatalog catalog, List<CostEvent> events) {
        try (KafkaProducer<String, CostEvent> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), catalog.costs().valueSerde().serializer())) {
            events.forEach(e -> producer.send(new ProducerRecord<>(catalog.costs().name(), e.getUserId(), e)));
            producer.flush();
        }
    }

    private static <T> Map<String, List<Long>> sums(Collection<T> rows, java.util.function.Function<T, String> key,
                                                    java.util.function.Function<T, dev.sluice.analytics.schema.SpendTotals> totals) {
        Map<String, List<Long>> out = new HashMap<>();
        rows.forEach(r -> {
            var t = totals.apply(r);
            out.put(key.apply(r), List.of(t.getRequests(), t.getCostMicros(), t.getSavedMicros(), t.getCacheHits()));
        });
        return out;
    }

    private static Map<String, List<Long>> flatten(Map<String, long[]> sums) {
        Map<String, List<Long>> out = new HashMap<>();
        sums.forEach((k, v) -> out.put(k, List.of(v[0], v[1], v[2], v[3])));
        return out;
    }
}
