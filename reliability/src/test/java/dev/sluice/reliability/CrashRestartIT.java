package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.sluice.analytics.AnalyticsConfig;
import dev.sluice.analytics.AnalyticsTopics;
import dev.sluice.analytics.dashboard.Tables;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stage killed (SIGKILL: no shutdown hook, no goodbye to its consumer group) and started again at once, as a
 * supervisor would. The new process is the same instance (same host, same state directory or transactional id), so it
 * rejoins its group as the member the dead one was and gets its partitions back without waiting for the broker to
 * expire that member: here a session timeout of five minutes, against awaits of two. And the crash costs nothing:
 * every record sent before and after it comes out exactly once. A clean stop still hands an instance's partitions to
 * the instance that stays at once.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class CrashRestartIT {
    /** Longer than the tests wait: a restart or hand-over that had to outwait a member's session fails. */
    private static final Map<String, String> LONG_SESSION = Map.of("kafka.session.timeout.ms", "300000", "kafka.heartbeat.interval.ms", "3000");
    private static final Duration AWAIT = Duration.ofMinutes(2);
    private static final int BEFORE = 300;
    private static final int AFTER = 300;
    /**
     * Policies enough to fill the policy table's memtable (Kafka Streams' 16 MB write buffer), so RocksDB flushes it to
     * disk while it is open: ~150 B a policy in the memtable.
     */
    private static final int BULK_POLICIES = 250_000;

    @Test
    void shouldAdmitAgainAtOnceWhenRestartedAfterACrashWithoutWaitingOutTheDeadMembersSession(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("admission-crash-restart", kafka, registry, redis, mock, LONG_SESSION);
             Workload workload = new Workload(p);
             Admin admin = kafka.admin()) {
            List<String> users = Workload.users(p.prefix, 10);
            StageProcess ingest = p.stage("ingest", 1);
            ingest.start();
            ingest.awaitReady(AWAIT);
            for (int i = 0; i < BEFORE; i++) {
                workload.send(workload.request(users.get(i % users.size()), i));
            }
            workload.flush();
            await("the requests before the crash admitted").atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> admittedIds(p).size() >= BEFORE);
            String group = p.prefix + "ingest"; // the application id the pipeline gives admission
            List<String> before = memberInstanceIds(admin, group);

            ingest.kill();
            ingest.start();
            for (int i = 0; i < AFTER; i++) {
                workload.send(workload.request(users.get(i % users.size()), BEFORE + i));
            }
            workload.flush();
            await("the requests sent after the restart admitted, long before the dead member's session would expire")
                    .atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> admittedIds(p).size() >= BEFORE + AFTER);

            assertThat(before).as("the instance is a static member of its group").hasSize(1).doesNotContainNull();
            assertThat(memberInstanceIds(admin, group)).as("the restarted instance took the dead member's place").isEqualTo(before);
            assertThat(admittedIds(p)).as("every request admitted exactly once, across the crash")
                    .hasSize(BEFORE + AFTER).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(workload.ids());
        }
    }

    /**
     * KAFKA-21034 (Kafka Streams 4.3.1): once RocksDB has flushed the policy table (a global store) while it was open, a
     * crash leaves it marked open on disk, and under exactly-once the next start refused it and its global thread died,
     * at every start. Here enough policies are written for the table's memtable to fill and reach disk, admission is
     * killed and started again, and it must admit again, by the policies it had: a user allowed two requests a minute
     * gets two of five.
     */
    @Test
    void shouldAdmitAgainByTheSamePoliciesWhenRestartedAfterACrashOnceThePolicyTableIsOnDisk(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("policy-table-crash", kafka, registry, redis, mock, LONG_SESSION);
             Workload workload = new Workload(p)) {
            String limited = p.prefix + "two-a-minute";
            StageProcess ingest = p.stage("ingest", 1);
            ingest.start();
            ingest.awaitReady(AWAIT);
            publishPolicies(p, limited, BULK_POLICIES);
            Path policyTable = p.dir.resolve("state").resolve("ingest-1").resolve(p.prefix + "ingest").resolve("global");
            await("the policy table flushed to disk while open (a sorted file in the global store)").atMost(AWAIT)
                    .pollInterval(Duration.ofMillis(250)).until(() -> sortedFiles(policyTable) > 0);

            ingest.kill();
            ingest.start();
            ingest.awaitReady(AWAIT);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                LlmRequest r = workload.request(limited, i);
                ids.add(r.getRequestId().toString());
                workload.send(r);
            }
            workload.flush();
            await("the five requests decided").atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> decided(p, ids).size() == ids.size());

            assertThat(decided(p, ids).values()).as("the user's own policy, two requests a minute, applies after the restart")
                    .containsExactlyInAnyOrder("ADMITTED", "ADMITTED", "RATE_LIMITED", "RATE_LIMITED", "RATE_LIMITED");
        }
    }

    @Test
    void shouldEnrichAgainAtOnceWhenRestartedAfterACrashWithoutWaitingOutTheDeadMembersSession(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        redis.start();
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("enrichment-crash-restart", kafka, registry, redis, mock, LONG_SESSION);
             Workload workload = new Workload(p);
             Admin admin = kafka.admin()) {
            long now = System.currentTimeMillis();
            List<String> ids = new ArrayList<>(Enriched.sendAdmitted(p, workload, BEFORE, i -> now));
            StageProcess enrichment = p.stage("enrichment", 1);
            enrichment.start();
            await("the records before the crash enriched").atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> Enriched.committedRequestIds(p).size() >= BEFORE);
            String group = p.prefix + "enrichment"; // the group id the pipeline gives enrichment
            List<String> before = memberInstanceIds(admin, group);

            enrichment.kill();
            enrichment.start();
            ids.addAll(Enriched.sendAdmitted(p, workload, AFTER, i -> System.currentTimeMillis()));
            await("the records sent after the restart enriched, long before the dead member's session would expire")
                    .atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> Enriched.committedRequestIds(p).size() >= BEFORE + AFTER);

            assertThat(before).as("the instance is a static member of its group").hasSize(1).doesNotContainNull();
            assertThat(memberInstanceIds(admin, group)).as("the restarted instance took the dead member's place").isEqualTo(before);
            assertThat(Enriched.committedRequestIds(p)).as("every record enriched exactly once, across the crash")
                    .hasSize(BEFORE + AFTER).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    @Test
    void shouldHandAStoppedEnrichmentInstancesPartitionsToTheOneThatStaysAtOnce(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        redis.start();
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("enrichment-stop-hand-over", kafka, registry, redis, mock, LONG_SESSION);
             Workload workload = new Workload(p);
             Admin admin = kafka.admin()) {
            String group = p.prefix + "enrichment";
            StageProcess first = p.stage("enrichment", 1);
            StageProcess second = p.stage("enrichment", 2);
            first.start();
            second.start();
            await("both instances in the group").atMost(AWAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions() // none until one joins
                    .until(() -> memberInstanceIds(admin, group).size() == 2
                            && admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                                    .allMatch(m -> !m.assignment().topicPartitions().isEmpty()));

            first.stop(); // SIGTERM: a static member that stays in its group would keep its partitions for the session
            List<String> ids = Enriched.sendAdmitted(p, workload, AFTER, i -> System.currentTimeMillis());
            await("every record enriched by the instance that stayed").atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> Enriched.committedRequestIds(p).size() >= AFTER);

            assertThat(memberInstanceIds(admin, group)).as("the stopped instance left the group").hasSize(1);
            assertThat(Enriched.committedRequestIds(p)).hasSize(AFTER).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    @Test
    void shouldCountCostsAgainAtOnceWhenAnalyticsIsRestartedAfterACrashAndNeverCountOneTwice(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(LONG_SESSION);
        settings.put("dashboard.enabled", "false");
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("analytics-crash-restart", kafka, registry, redis, mock, settings);
             KafkaProducer<String, CostEvent> producer = new KafkaProducer<>(p.kafka, new StringSerializer(),
                     p.catalog.costs().valueSerde().serializer());
             Admin admin = kafka.admin()) {
            AnalyticsTopics topics = AnalyticsTopics.from(p.catalog, new SchemaRegistryClient(registry.url()));
            String group = AnalyticsConfig.from(p.config).applicationId();
            List<CostEvent> before = costs("before", BEFORE, 1_000);
            List<CostEvent> after = costs("after", AFTER, 2_000);
            StageProcess analytics = p.stage("analytics", 1);
            analytics.start();
            analytics.awaitReady(AWAIT);
            send(producer, p, before);
            await("the costs before the crash counted").atMost(AWAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> counted(p, topics)[0] >= BEFORE);
            List<String> members = memberInstanceIds(admin, group);

            analytics.kill();
            analytics.start();
            send(producer, p, before); // re-delivered: the deduplication state must come back with the restore
            send(producer, p, after);
            await("every cost sent after the restart read, long before the dead member's session would expire")
                    .atMost(AWAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions() // no offsets until its first commit
                    .until(() -> consumedToTheEnd(admin, group, p.catalog.costs().name()));

            assertThat(members).as("the instance is a static member of its group").hasSize(1).doesNotContainNull();
            assertThat(memberInstanceIds(admin, group)).as("the restarted instance took the dead member's place").isEqualTo(members);
            long expectedCost = java.util.stream.Stream.concat(before.stream(), after.stream()).mapToLong(CostEvent::getCostMicros).sum();
            assertThat(counted(p, topics)).as("requests and cost per user and day, every cost counted once across the crash")
                    .containsExactly(BEFORE + AFTER, expectedCost);
            assertThat(analytics.meter("sluice_analytics_state_restored_records_total"))
                    .as("the restarted instance read its state (the deduplication window among it) back from the changelogs").isPositive();
        }
    }

    /** Distinct cost events of ten users, now, costing {@code base + i} micros. */
    static List<CostEvent> costs(String batch, int n, long base) {
        List<CostEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(CostEvent.newBuilder().setRequestId(batch + "-" + i).setUserId("user-" + i % 10).setModel("gpt-4o-mini")
                    .setProvider("openai").setInputTokens(100).setOutputTokens(10).setCostMicros(base + i).setSavedMicros(0)
                    .setReservedMicros(5_000).setCacheHit(false).setOccurredAt(Instant.now()).build());
        }
        return events;
    }

    static void send(KafkaProducer<String, CostEvent> producer, Pipeline p, List<CostEvent> events) {
        events.forEach(e -> producer.send(new ProducerRecord<>(p.catalog.costs().name(), e.getUserId(), e)));
        producer.flush();
    }

    /** The requests and cost in analytics' committed spend-by-user-day table, summed over users and days. */
    static long[] counted(Pipeline p, AnalyticsTopics topics) {
        Tables tables = new Tables(topics, p.catalog);
        TopicScan.read(p.kafka, topics.spendByUserDay().name(), true, tables::accept);
        List<UserDailySpend> rows = tables.snapshot().userDays();
        return new long[] {rows.stream().mapToLong(r -> r.getTotals().getRequests()).sum(),
                rows.stream().mapToLong(r -> r.getTotals().getCostMicros()).sum()};
    }

    /** Whether the group has committed (under exactly-once: processed and published) every record of {@code topic}. */
    static boolean consumedToTheEnd(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> ends = new java.util.HashMap<>();
        for (int partition = 0; partition < Pipeline.PARTITIONS; partition++) {
            ends.put(new TopicPartition(topic, partition), OffsetSpec.latest());
        }
        return admin.listOffsets(ends).all().get().entrySet().stream().allMatch(e -> committed.containsKey(e.getKey())
                && committed.get(e.getKey()).offset() >= e.getValue().offset());
    }

    /** {@code limited} on a policy of two requests a minute, then {@code bulk} PRO policies of other users. */
    private static void publishPolicies(Pipeline p, String limited, int bulk) {
        var topic = p.catalog.userPolicies();
        try (KafkaProducer<String, UserPolicy> producer = new KafkaProducer<>(p.kafka, topic.keySerde().serializer(),
                topic.valueSerde().serializer())) {
            Instant now = Instant.now();
            producer.send(new ProducerRecord<>(topic.name(), limited, policy(limited, "PRO", 2, now)));
            for (int i = 0; i < bulk; i++) {
                String user = p.prefix + "tenant-user-" + i;
                producer.send(new ProducerRecord<>(topic.name(), user, policy(user, "PRO", 1_000_000, now)));
            }
            producer.flush();
        }
    }

    private static UserPolicy policy(String user, String tier, int perMinute, Instant at) {
        return UserPolicy.newBuilder().setUserId(user).setTier(tier).setRequestsPerMinute(perMinute).setRequestsPerDay(1_000_000)
                .setTokensPerMinute(1_000_000_000L).setDailyBudgetMicros(null).setUpdatedAt(at).build();
    }

    /** RocksDB's sorted files under {@code dir} (none while every write is still in a memtable). */
    private static long sortedFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".sst")).count();
        }
    }

    /** The decision on each of {@code ids} made so far: ADMITTED or the reason it was rejected. */
    static Map<String, String> decided(Pipeline p, List<String> ids) {
        Map<String, String> decisions = new java.util.HashMap<>();
        admittedIds(p).stream().filter(ids::contains).forEach(id -> decisions.put(id, "ADMITTED"));
        var rejected = p.catalog.rejected().valueSerde().deserializer();
        TopicScan.read(p.kafka, p.catalog.rejected().name(), true, r -> {
            RejectedRequest v = rejected.deserialize(r.topic(), r.value());
            if (ids.contains(v.getRequestId().toString())) {
                decisions.put(v.getRequestId().toString(), v.getReason().name());
            }
        });
        return decisions;
    }

    static List<String> admittedIds(Pipeline p) {
        List<String> ids = new ArrayList<>();
        TopicScan.read(p.kafka, p.catalog.admitted().name(), true,
                r -> ids.add(p.catalog.admitted().valueSerde().deserializer().deserialize(r.topic(), r.value()).getRequest().getRequestId()));
        return ids;
    }

    static List<String> memberInstanceIds(Admin admin, String group) throws Exception {
        Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(group)).all().get().get(group).members();
        return members.stream().map(m -> m.groupInstanceId().orElse(null)).toList();
    }
}
