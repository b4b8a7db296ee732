package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.sluice.analytics.AnalyticsConfig;
import dev.sluice.analytics.AnalyticsMetrics;
import dev.sluice.analytics.AnalyticsTopics;
import dev.sluice.analytics.AnalyticsTopology;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.schema.CostEvent;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two analytics instances with standby replicas ({@code kafka.num.standby.replicas=1}): each keeps a warm copy of the
 * other's spend tables and of its deduplication window. One is killed and never comes back. The one that stays takes
 * over the dead one's tasks from its copy, without reading their state back from the changelogs (what a take-over
 * without a copy does: about 230,000 records a second, minutes for a week of cost events), and by that state: every cost
 * event the dead instance counted, delivered again after the take-over, is recognised and not counted a second time.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class AnalyticsStandbyTakeoverIT {
    private static final Duration AWAIT = Duration.ofMinutes(2);
    private static final int BEFORE = 600;
    private static final int AFTER = 300;

    @Test
    void shouldTakeOverACrashedInstancesSpendTablesFromItsStandbyCopyAndNeverCountACostTwice(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Map<String, String> settings = Map.of("dashboard.enabled", "false", "kafka.num.standby.replicas", "1");
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("analytics-standby-takeover", kafka, registry, redis, mock, settings);
             KafkaProducer<String, CostEvent> producer = new KafkaProducer<>(p.kafka, new StringSerializer(),
                     p.catalog.costs().valueSerde().serializer());
             Admin admin = kafka.admin()) {
            AnalyticsTopics topics = AnalyticsTopics.from(p.catalog, new SchemaRegistryClient(registry.url()));
            AnalyticsConfig config = AnalyticsConfig.from(p.config);
            String group = config.applicationId();
            StageProcess one = p.stage("analytics", 1, Map.of(AnalyticsConfig.INSTANCE_ID, p.prefix + "analytics-1"));
            StageProcess two = p.stage("analytics", 2, Map.of(AnalyticsConfig.INSTANCE_ID, p.prefix + "analytics-2"));
            one.start();
            two.start();
            await("both instances running tasks").atMost(AWAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> !Takeovers.assignment(admin, group, one).isEmpty() && !Takeovers.assignment(admin, group, two).isEmpty());
            List<CostEvent> before = CrashRestartIT.costs("before", BEFORE, 1_000);
            CrashRestartIT.send(producer, p, before);
            await("the costs before the crash counted").atMost(AWAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> CrashRestartIT.counted(p, topics)[0] >= BEFORE);
            // The one to kill is the one that counted more of the costs, so its deduplication window is what is at stake.
            boolean oneCountedMore = costPartitions(admin, group, one, p) >= costPartitions(admin, group, two, p);
            StageProcess doomed = oneCountedMore ? one : two;
            StageProcess survivor = oneCountedMore ? two : one;
            Set<TopicPartition> doomedTasks = Takeovers.assignment(admin, group, doomed);
            long doomedState = committedChangelogRecords(p, config, topics, doomedTasks);
            await("the survivor's copy of the doomed instance's tasks up to date").atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> survivor.meter("sluice_analytics_state_standby_records_total") >= doomedState);
            double restoredBefore = survivor.meter("sluice_analytics_state_restored_records_total");

            doomed.kill(); // and never started again: its session (6 s) expires and its tasks move to the survivor
            CrashRestartIT.send(producer, p, before); // re-delivered: only the copy's deduplication window can tell
            List<CostEvent> after = CrashRestartIT.costs("after", AFTER, 2_000);
            CrashRestartIT.send(producer, p, after);
            await("every cost sent after the crash read by the survivor").atMost(AWAIT).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> CrashRestartIT.consumedToTheEnd(admin, group, p.catalog.costs().name()));

            assertThat(doomedTasks).as("the killed instance counted some of the costs")
                    .anyMatch(tp -> tp.topic().equals(p.catalog.costs().name()));
            long expectedCost = Stream.concat(before.stream(), after.stream()).mapToLong(CostEvent::getCostMicros).sum();
            assertThat(CrashRestartIT.counted(p, topics)).as("requests and cost per user and day, every cost counted once across"
                    + " the take-over, the re-delivered ones too").containsExactly(BEFORE + AFTER, expectedCost);
            assertThat(doomedState).as("the killed instance's tasks held state").isGreaterThan(BEFORE / 10);
            double readBack = survivor.meter("sluice_analytics_state_restored_records_total") - restoredBefore;
            assertThat(readBack).as("changelog records the survivor read back to take over, of the %d a take-over without a copy"
                    + " reads", doomedState).isLessThan(doomedState / 10.0);
        }
    }

    /** How many partitions of the costs topic {@code instance} counts. */
    private static long costPartitions(Admin admin, String group, StageProcess instance, Pipeline p) throws Exception {
        return Takeovers.assignment(admin, group, instance).stream().filter(tp -> tp.topic().equals(p.catalog.costs().name())).count();
    }

    /**
     * The committed records in the changelogs of the tasks that read {@code assignment}: what a take-over without a copy
     * reads. A store's changelog partition n belongs to the task of partition n of its sub-topology's source topics, which
     * the topology's own description names (repartition topics without the application id before them).
     */
    private static long committedChangelogRecords(Pipeline p, AnalyticsConfig config, AnalyticsTopics topics,
                                                  Set<TopicPartition> assignment) {
        TopologyDescription description = AnalyticsTopology.build(topics, config, new AnalyticsMetrics(new SimpleMeterRegistry())).describe();
        String app = config.applicationId();
        Map<String, Set<String>> sourcesOfChangelog = new HashMap<>();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            Set<String> sources = new HashSet<>();
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    source.topicSet().forEach(t -> sources.add(t.startsWith(p.prefix) ? t : app + "-" + t));
                }
            }
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Processor processor) {
                    processor.stores().forEach(store -> sourcesOfChangelog.put(app + "-" + store + "-changelog", sources));
                }
            }
        }
        assertThat(sourcesOfChangelog).as("analytics' changelogs").hasSizeGreaterThan(3);
        long records = 0;
        for (Map.Entry<String, Set<String>> changelog : sourcesOfChangelog.entrySet()) {
            records += Takeovers.committedRecords(p, changelog.getKey(), partition -> changelog.getValue().stream()
                    .anyMatch(source -> assignment.contains(new TopicPartition(source, partition))));
        }
        return records;
    }
}
