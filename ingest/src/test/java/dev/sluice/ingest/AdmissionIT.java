package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.ingest.admission.AdmissionTopology;
import dev.sluice.ingest.admission.Usage;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class AdmissionIT {

    @Test
    void shouldAdmitExactlyTenOfABurstOfThousandAcrossTwoInstancesWhenOneLeavesMidway(KafkaBroker kafka,
                                                                                     SchemaRegistryServer registry) throws Exception {
        burstWithRebalance(kafka, registry, "c1", Map.of());
    }

    @Test
    void shouldAdmitExactlyTenOfTheBurstWithCommitPacingOn(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        // Early commits asked for from a punctuator, then a rebalance mid-burst: still one decision per request.
        burstWithRebalance(kafka, registry, "c1p", Map.of(IngestConfig.COMMIT_INTERVAL_MS, "100",
                IngestConfig.FRESH_COMMIT_INTERVAL_MS, "20"));
    }

    private static void burstWithRebalance(KafkaBroker kafka, SchemaRegistryServer registry, String name, Map<String, String> settings)
            throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, name, settings);
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            IngestStage first = cluster.startInstance();
            cluster.startInstance();
            cluster.awaitAllRunning();

            send(producer, cluster, "burst-user", 0, 500);
            decisions.await(250);
            Collection<MemberDescription> members = cluster.groupMembers();
            first.close(); // a rebalance in the middle of the burst: the user's state moves with its task
            // it left the group as it closed, so the other instance takes its tasks now, not after the session timeout
            assertThat(cluster.groupMembers()).hasSize(members.size() - 1);
            send(producer, cluster, "burst-user", 500, 1000);
            decisions.await(1000);

            assertThat(decisions.admitted).hasSize(10);
            assertThat(decisions.rejected).hasSize(990).allSatisfy(r -> assertThat(r.getReason())
                    .isIn(RejectReason.RATE_LIMITED, RejectReason.QUOTA_EXCEEDED));
            Set<String> ids = new HashSet<>();
            decisions.admitted.forEach(a -> ids.add(a.getRequest().getRequestId()));
            decisions.rejected.forEach(r -> ids.add(r.getRequestId()));
            assertThat(ids).as("every request decided exactly once").hasSize(1000);
        }
    }

    @Test
    void shouldNeverLetAdmittedWorstCaseOrActualSpendPassTheDailyBudget(KafkaBroker kafka, SchemaRegistryServer registry,
                                                                        @TempDir Path dir) throws Exception {
        Path models = dir.resolve("models.properties");
        Files.writeString(models, "flat-model = 0, 10\n"); // 1,000 output tokens = $0.01 worst case
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "c2", Map.of("models.file", models.toString()));
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaProducer<String, UserPolicy> policies = cluster.producer(cluster.topics.userPolicies());
             KafkaConsumer<String, RejectedRequest> rejected = cluster.consumer(cluster.topics.rejected())) {
            policies.send(new ProducerRecord<>(cluster.topics.userPolicies().name(), "budget-user", UserPolicy.newBuilder()
                    .setUserId("budget-user").setTier("PRO").setRequestsPerMinute(1_000).setRequestsPerDay(1_000)
                    .setTokensPerMinute(100_000_000L).setDailyBudgetMicros(1_000_000L).setUpdatedAt(Instant.now()).build())).get();
            IngestStage stage = cluster.startInstance();
            cluster.awaitAllRunning();

            CostSimulator generation = new CostSimulator(cluster);
            Thread costs = new Thread(generation, "cost-simulator");
            costs.start();
            for (int batch = 0; batch < 20; batch++) {
                for (int i = 0; i < 50; i++) {
                    producer.send(new ProducerRecord<>(cluster.topics.requests().name(), "budget-user",
                            AdmissionDriver.request("budget-user").setModel("flat-model").setMaxOutputTokens(1_000)
                                    .setCreatedAt(Instant.now()).build()));
                }
                producer.flush();
                Thread.sleep(50); // let cost events interleave with the burst
            }
            List<RejectedRequest> rejections = new ArrayList<>();
            Awaitility.await().atMost(120, TimeUnit.SECONDS).until(() -> {
                rejected.poll(Duration.ofMillis(200)).forEach(r -> rejections.add(r.value()));
                return rejections.size() + generation.admittedCount() >= 1_000;
            });
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> stage.usage("budget-user")
                    .map(u -> u.reservedMicros() == 0).orElse(false));
            generation.stop();
            costs.join();

            Usage usage = stage.usage("budget-user").orElseThrow();
            assertThat(generation.admittedWorstCaseMicros()).isLessThanOrEqualTo(1_000_000L);
            assertThat(generation.actualMicros()).isLessThanOrEqualTo(1_000_000L);
            assertThat(usage.spentMicros()).as("duplicated cost events counted once").isEqualTo(generation.actualMicros());
            assertThat(generation.admittedCount()).isEqualTo(100); // each admission uses $0.01 of the $1.00 for good
            assertThat(rejections).hasSize(900).allSatisfy(r -> assertThat(r.getReason()).isEqualTo(RejectReason.BUDGET_EXCEEDED));
        }
    }

    @Test
    void shouldDeadLetterAPoisonPillAndProcessTheRecordsAfterIt(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "poison", Map.of());
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<String, AdmittedRequest> admitted = cluster.consumer(cluster.topics.admitted());
             KafkaConsumer<byte[], byte[]> dlq = cluster.consumer(cluster.topics.dlq())) {
            cluster.startInstance();
            cluster.awaitAllRunning();
            String requests = cluster.topics.requests().name();
            producer.send(new ProducerRecord<>(requests, "pill-user", AdmissionDriver.request("pill-user").build())).get();
            byte[] pill = {0, 0, 0, 0, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
            raw.send(new ProducerRecord<>(requests, "pill-user".getBytes(StandardCharsets.UTF_8), pill)).get();
            producer.send(new ProducerRecord<>(requests, "pill-user", AdmissionDriver.request("pill-user").build())).get();

            List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
            List<AdmittedRequest> admissions = new ArrayList<>();
            Awaitility.await().atMost(120, TimeUnit.SECONDS).until(() -> {
                dlq.poll(Duration.ofMillis(100)).forEach(letters::add);
                admitted.poll(Duration.ofMillis(100)).forEach(r -> admissions.add(r.value()));
                return letters.size() == 1 && admissions.size() == 2;
            });
            ConsumerRecord<byte[], byte[]> letter = letters.get(0);
            assertThat(letter.value()).isEqualTo(pill);
            assertThat(DeadLetterHeaders.get(letter.headers(), DeadLetterHeaders.STREAMS_EXCEPTION))
                    .contains("dev.sluice.contracts.serde.WireFormatException");
            assertThat(DeadLetterHeaders.get(letter.headers(), DeadLetterHeaders.STREAMS_TOPIC)).contains(requests);
            assertThat(DeadLetterHeaders.get(letter.headers(), DeadLetterHeaders.STAGE)).contains("ingest");
            // Kafka Streams' own metrics are on the stage's meters (so on /metrics): the commits that made these visible
            assertThat(cluster.meters(0).get("kafka.stream.thread.commit.total").functionCounter().count()).isPositive();
            assertThat(cluster.meters(0).get("kafka.stream.thread.process.total").functionCounter().count()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void shouldCreateItsChangelogsWithSegmentsTheBrokerCanCompactWithinMinutes(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "segments", Map.of());
             Admin admin = kafka.admin()) {
            cluster.startInstance();
            cluster.awaitAllRunning();
            for (String store : List.of(AdmissionTopology.USER_STATE_STORE, AdmissionTopology.REQUESTS_STORE)) {
                ConfigResource changelog = new ConfigResource(ConfigResource.Type.TOPIC, cluster.prefix + "ingest-" + store + "-changelog");
                Config config = admin.describeConfigs(List.of(changelog)).all().get().get(changelog);
                assertThat(config.get(TopicConfig.SEGMENT_MS_CONFIG).value()).as(changelog.name())
                        .isEqualTo(Long.toString(AdmissionTopology.CHANGELOG_SEGMENT_MS));
                assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
            }
        }
    }

    @Test
    void shouldApplyAPolicyLoweredWhileRunningToTheUsersNextRequest(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        // The policy store is written on the global thread and read through each task's PolicyCache on the stream
        // thread: a user whose limits were just cached gets a lower quota, and the next request must meet it.
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "policy-change", Map.of());
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaProducer<String, UserPolicy> policies = cluster.producer(cluster.topics.userPolicies());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            IngestStage stage = cluster.startInstance();
            cluster.awaitAllRunning();
            String user = "lowered-user";
            String policyTopic = cluster.topics.userPolicies().name();
            policies.send(new ProducerRecord<>(policyTopic, user, AdmissionDriver.tier("PRO").setUserId(user).build())).get();
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> stage.usage(user).map(u -> u.tier().equals("PRO")).orElse(false));
            send(producer, cluster, user, 0, 3);
            decisions.await(3);
            assertThat(decisions.admitted).hasSize(3); // PRO's limits are now this user's cached entry

            policies.send(new ProducerRecord<>(policyTopic, user,
                    AdmissionDriver.tier("PRO").setUserId(user).setRequestsPerDay(3).build())).get();
            Awaitility.await().atMost(60, TimeUnit.SECONDS)
                    .until(() -> stage.usage(user).map(u -> u.remainingRequestsToday() == 0).orElse(false));
            send(producer, cluster, user, 3, 4);
            decisions.await(4);
            assertThat(decisions.admitted).hasSize(3);
            assertThat(decisions.rejected).singleElement().satisfies(r -> {
                assertThat(r.getReason()).isEqualTo(RejectReason.QUOTA_EXCEEDED);
                assertThat(r.getRule()).isEqualTo("requests per UTC day 3");
            });
        }
    }

    @Test
    void shouldApplyAPolicyPublishedBeforeTheStageStartedToTheVeryFirstRequest(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        // The demo and the end-to-end tests publish policies and then start the stages, with no wait in between: that is
        // only right if admission reads the policies topic to its end before it admits anything (a global store is
        // bootstrapped before the stream threads start). Without its policy this user would be FREE (10 a day); with it, 2.
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "policy-first", Map.of());
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaProducer<String, UserPolicy> policies = cluster.producer(cluster.topics.userPolicies());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            String user = "policy-first-user";
            policies.send(new ProducerRecord<>(cluster.topics.userPolicies().name(), user,
                    AdmissionDriver.tier("PRO").setUserId(user).setRequestsPerDay(2).build())).get();
            send(producer, cluster, user, 0, 3); // already waiting in llm.requests when the stage starts
            cluster.startInstance();
            decisions.await(3);
            assertThat(decisions.admitted).hasSize(2);
            assertThat(decisions.rejected).singleElement().satisfies(r -> {
                assertThat(r.getReason()).isEqualTo(RejectReason.QUOTA_EXCEEDED);
                assertThat(r.getRule()).isEqualTo("requests per UTC day 2");
            });
        }
    }

    /**
     * The money-held gauges summed over admission's instances (what the dashboard shows) are exact while tasks move: each
     * instance counts its own tasks' users, a task that leaves takes its share with it, and the instance that takes it
     * over counts it again from the users' states, and then follows its charges.
     */
    @Test
    void shouldShowTheMoneyHeldOnceOverTheInstancesAsTheirTasksMoveBetweenThem(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "held-moves", Map.of());
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaProducer<String, CostEvent> costs = cluster.producer(cluster.topics.costs());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            IngestStage first = cluster.startInstance();
            cluster.startInstance();
            cluster.awaitAllRunning();
            for (int u = 0; u < 40; u++) {
                send(producer, cluster, "holder-" + u, 0, 2);
            }
            decisions.await(80);
            assertThat(decisions.admitted).as("every request admitted, so each holds its worst case").hasSize(80);
            long reserved = decisions.admitted.stream().mapToLong(AdmittedRequest::getReservedMicros).sum();

            Awaitility.await("both instances' shares add up to the money reserved").atMost(Duration.ofSeconds(30))
                    .until(() -> held(cluster, 0) + held(cluster, 1) == reserved);
            assertThat(held(cluster, 0)).as("the first instance's tasks hold a share").isPositive();
            assertThat(held(cluster, 1)).as("the second's too").isPositive();
            assertThat(heldUsers(cluster, 0) + heldUsers(cluster, 1)).as("users holding money").isEqualTo(40);

            first.close(); // its tasks move to the second instance, which restores them and counts their users
            Awaitility.await("the second instance shows all of it").atMost(Duration.ofSeconds(60)).until(() -> held(cluster, 1) == reserved);
            assertThat(held(cluster, 0)).as("a closed instance shows nothing").isZero();
            assertThat(heldUsers(cluster, 1)).isEqualTo(40);

            // charges after the move, below the reservation: each ends its request's hold, whoever held it before
            List<AdmittedRequest> charged = decisions.admitted.subList(0, 30);
            for (AdmittedRequest a : charged) {
                CostEvent cost = CostEvent.newBuilder().setRequestId(a.getRequest().getRequestId()).setUserId(a.getRequest().getUserId())
                        .setModel("gpt-4o-mini").setProvider("simulated").setInputTokens(10).setOutputTokens(10)
                        .setCostMicros(a.getReservedMicros() / 3).setReservedMicros(a.getReservedMicros()).setOccurredAt(Instant.now()).build();
                costs.send(new ProducerRecord<>(cluster.topics.costs().name(), a.getRequest().getUserId(), cost));
            }
            costs.flush();
            long stillHeld = reserved - charged.stream().mapToLong(AdmittedRequest::getReservedMicros).sum();
            Awaitility.await("the charged requests' money no longer held").atMost(Duration.ofSeconds(30)).until(() -> held(cluster, 1) == stillHeld);
        }
    }

    private static long held(IngestCluster cluster, int instance) {
        return (long) cluster.meters(instance).get("sluice.ingest.reservations.held.micros").gauge().value();
    }

    private static long heldUsers(IngestCluster cluster, int instance) {
        return (long) cluster.meters(instance).get("sluice.ingest.reservations.held.users").gauge().value();
    }

    private static void send(KafkaProducer<String, LlmRequest> producer, IngestCluster cluster, String user, int from, int to) {
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(cluster.topics.requests().name(), user,
                    AdmissionDriver.request(user).setCreatedAt(Instant.now()).build()));
        }
        producer.flush();
    }


    /** Stands in for generation: for every admitted request, publishes its cost (the full worst case) twice. */
    private static final class CostSimulator implements Runnable {
        private final IngestCluster cluster;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private volatile long admitted;
        private volatile long worstCase;
        private volatile long actual;

        CostSimulator(IngestCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void run() {
            try (KafkaConsumer<String, AdmittedRequest> consumer = cluster.consumer(cluster.topics.admitted());
                 KafkaProducer<String, CostEvent> producer = cluster.producer(cluster.topics.costs())) {
                while (running.get()) {
                    for (ConsumerRecord<String, AdmittedRequest> r : consumer.poll(Duration.ofMillis(100))) {
                        AdmittedRequest a = r.value();
                        CostEvent cost = CostEvent.newBuilder().setRequestId(a.getRequest().getRequestId())
                                .setUserId(r.key()).setModel("flat-model").setProvider("simulated").setInputTokens(10)
                                .setOutputTokens(1_000).setCostMicros(a.getReservedMicros()).setReservedMicros(a.getReservedMicros())
                                .setOccurredAt(Instant.now()).build();
                        producer.send(new ProducerRecord<>(cluster.topics.costs().name(), r.key(), cost));
                        producer.send(new ProducerRecord<>(cluster.topics.costs().name(), r.key(), cost)); // a duplicate
                        admitted++;
                        worstCase += a.getReservedMicros();
                        actual += cost.getCostMicros();
                    }
                    producer.flush();
                }
            }
        }

        void stop() {
            running.set(false);
        }

        long admittedCount() {
            return admitted;
        }

        long admittedWorstCaseMicros() {
            return worstCase;
        }

        long actualMicros() {
            return actual;
        }
    }
}
