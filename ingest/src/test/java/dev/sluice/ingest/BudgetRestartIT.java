package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.UserPolicy;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The budget across a restart of admission: held reservations survive, costs above and below the estimate are charged in
 * full; with the user state in RocksDB (resumed from the local copy) and on the heap (replayed from its changelog). And
 * a long sliding window (sealed chunks in {@code admission-user-window}) across a restart.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class BudgetRestartIT {
    private static final String USER = "restart-user";
    private static final long WORST = 10_000;
    private static final long BUDGET = 100_000;

    @ParameterizedTest(name = "user state in memory: {0}")
    @ValueSource(booleans = {false, true})
    void shouldChargeWhatWasPaidAndKeepHeldReservationsAcrossARestart(boolean userStateInMemory, KafkaBroker kafka,
                                                                      SchemaRegistryServer registry, @TempDir Path dir) throws Exception {
        Path models = dir.resolve("models.properties");
        Files.writeString(models, "flat-model = 0, 10\n"); // 1,000 output tokens = $0.01 worst case
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "restart-" + userStateInMemory, Map.of("models.file", models.toString(),
                "ingest.user.state.in.memory", Boolean.toString(userStateInMemory)));
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaProducer<String, CostEvent> costs = cluster.producer(cluster.topics.costs());
             KafkaProducer<String, UserPolicy> policies = cluster.producer(cluster.topics.userPolicies());
             IngestCluster.Decisions decisions = cluster.decisions();
             KafkaConsumer<String, CostEvent> costLog = cluster.consumer(cluster.topics.costs())) {
            policies.send(new ProducerRecord<>(cluster.topics.userPolicies().name(), USER, UserPolicy.newBuilder().setUserId(USER)
                    .setTier("PRO").setRequestsPerMinute(1_000).setRequestsPerDay(1_000).setDailyBudgetMicros(BUDGET)
                    .setUpdatedAt(Instant.now()).build())).get();
            IngestStage first = cluster.startInstance();
            cluster.awaitAllRunning();

            sendRequests(cluster, producer, 15);
            decisions.await(15);
            assertThat(decisions.admitted).hasSize(10);
            assertThat(decisions.rejected).hasSize(5).allSatisfy(r -> assertThat(r.getReason()).isEqualTo(RejectReason.BUDGET_EXCEEDED));

            first.close(); // generation answers while admission is down; a new instance restores the state from its changelogs
            long paid = 0;
            for (int i = 0; i < 6; i++) {
                long actual = i == 5 ? 12_000 : 6_000; // the sixth cost is 2,000 above its estimate
                paid += actual;
                cost(cluster, costs, decisions.admitted.get(i), actual, CostKind.CHARGED);
                cost(cluster, costs, decisions.admitted.get(i), actual, CostKind.CHARGED); // a duplicate
            }
            IngestStage second = cluster.startInstance();
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                    .until(() -> second.usage(USER).map(u -> u.reservedMicros() == 4 * WORST).orElse(false));
            assertThat(second.usage(USER).orElseThrow().spentMicros()).as("books = paid, uncapped, duplicates once").isEqualTo(paid);
            // The age of the oldest reservation still held (the 7th request's), which the new instance read from its restored store
            long oldestHeld = decisions.admitted.subList(6, 10).stream().mapToLong(a -> a.getAdmittedAt().toEpochMilli()).min().orElseThrow();
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> !Double.isNaN(oldestHeldSeconds(cluster)));
            long before = System.currentTimeMillis();
            double age = oldestHeldSeconds(cluster);
            long after = System.currentTimeMillis();
            assertThat(age).as("to the minute: up to 60 s older than it is, never younger")
                    .isBetween((before - oldestHeld) / 1000.0, (after - oldestHeld) / 1000.0 + 60);

            cost(cluster, costs, decisions.admitted.get(6), 0, CostKind.RELEASED); // never called: e.g. its dead letter was discarded
            for (int i = 7; i < 10; i++) {
                paid += 9_000;
                cost(cluster, costs, decisions.admitted.get(i), 9_000, CostKind.CHARGED);
            }
            long expected = paid;
            Awaitility.await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                    .until(() -> second.usage(USER).map(u -> u.reservedMicros() == 0 && u.spentMicros() == expected).orElse(false));
            assertThat(paid).as("sum charged within the budget").isLessThanOrEqualTo(BUDGET);
            assertThat(oldestHeldSeconds(cluster)).as("nothing held").isZero();

            List<CostEvent> flags = new ArrayList<>();
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> {
                costLog.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().getKind() == CostKind.OVERSPENT) {
                        flags.add(r.value());
                    }
                });
                return !flags.isEmpty();
            });
            assertThat(flags).singleElement().satisfies(f -> {
                assertThat(f.getRequestId()).isEqualTo(decisions.admitted.get(5).getRequest().getRequestId());
                assertThat(f.getCostMicros() - f.getReservedMicros()).isEqualTo(2_000);
            });
        }
    }

    /** The second instance's gauge of the oldest reservation it holds, seconds. */
    private static double oldestHeldSeconds(IngestCluster cluster) {
        return cluster.meters(1).get("sluice.ingest.reservations.held.oldest.seconds").gauge().value();
    }

    /**
     * A user allowed 2,000 requests a minute sends 1,500, admission is replaced by a new instance (restored from the
     * changelogs, the long window's sealed chunks included), and the user sends 1,000 more: no sliding minute of broker
     * time holds more than 2,000 admissions, and when the whole exchange fits in the minute exactly 2,000 are admitted.
     * A restore that lost the sealed chunks (all but ~380 of the first 1,500) would admit over 2,000.
     */
    @org.junit.jupiter.api.Test
    void shouldKeepALongSlidingWindowExactAcrossARestart(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String user = "long-window-user";
        int limit = 2_000;
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "long-window", Map.of());
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaProducer<String, UserPolicy> policies = cluster.producer(cluster.topics.userPolicies());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            policies.send(new ProducerRecord<>(cluster.topics.userPolicies().name(), user, UserPolicy.newBuilder().setUserId(user)
                    .setTier("PRO").setRequestsPerMinute(limit).setRequestsPerDay(1_000_000).setTokensPerMinute(1_000_000_000L)
                    .setDailyBudgetMicros(1_000_000_000_000L).setUpdatedAt(Instant.now()).build())).get();
            IngestStage first = cluster.startInstance();
            cluster.awaitAllRunning();
            send(cluster, producer, user, 1_500);
            decisions.await(1_500);
            assertThat(decisions.admitted).as("within the limit").hasSize(1_500);
            first.close();

            cluster.startInstance();
            send(cluster, producer, user, 1_000);
            decisions.await(2_500);
            List<Long> times = decisions.admitted.stream().map(a -> a.getAdmittedAt().toEpochMilli()).sorted().toList();
            for (int i = limit; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - limit)).as("no sliding minute holds more than %d", limit)
                        .isGreaterThanOrEqualTo(60_000L);
            }
            long span = times.get(times.size() - 1) - times.get(0);
            System.out.printf("long window across a restart: %,d admitted over %,d ms of broker time%n", times.size(), span);
            if (span < 55_000) {
                assertThat(decisions.admitted).as("all in one minute: exactly the limit").hasSize(limit);
                assertThat(decisions.rejected).hasSize(500).allSatisfy(r -> assertThat(r.getReason()).isEqualTo(RejectReason.RATE_LIMITED));
            }
        }
    }

    private static void send(IngestCluster cluster, KafkaProducer<String, LlmRequest> producer, String user, int n) {
        for (int i = 0; i < n; i++) {
            producer.send(new ProducerRecord<>(cluster.topics.requests().name(), user, AdmissionDriver.request(user).build()));
        }
        producer.flush();
    }

    private static void sendRequests(IngestCluster cluster, KafkaProducer<String, LlmRequest> producer, int n) {
        for (int i = 0; i < n; i++) {
            producer.send(new ProducerRecord<>(cluster.topics.requests().name(), USER,
                    AdmissionDriver.request(USER).setModel("flat-model").setMaxOutputTokens(1_000).build()));
        }
        producer.flush();
    }

    private static void cost(IngestCluster cluster, KafkaProducer<String, CostEvent> costs, AdmittedRequest a, long micros, CostKind kind)
            throws Exception {
        costs.send(new ProducerRecord<>(cluster.topics.costs().name(), USER, AdmissionDriver.costEvent(USER, a.getRequest().getRequestId(),
                micros, Instant.now()).setModel("flat-model").setReservedMicros(a.getReservedMicros()).setKind(kind).build())).get();
    }
}
