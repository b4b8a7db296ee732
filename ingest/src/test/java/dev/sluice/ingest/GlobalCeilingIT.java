package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.ingest.ceiling.CeilingConfig;
import dev.sluice.ingest.ceiling.CeilingWindow;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.Role;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global spend ceiling on a real broker and registry, three admission instances in one JVM (the process-level
 * version with kill -9 is the reliability suite's G1 row): 3,000 users burst one request each (1,000 µ$ worst case)
 * against a $1.00/minute ceiling, and one instance leaves in the middle of the burst.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class GlobalCeilingIT {
    private static final long CEILING = 1_000_000;
    private static final long WORST = 1_000;
    private static final int USERS = 3_000;
    private static final int PARTITIONS = IngestCluster.PARTITIONS;

    @Test
    void shouldKeepAdmittedWorstCasePerMinuteWithinTheCeilingAcrossThreeInstancesWhenOneLeaves(
            KafkaBroker kafka, SchemaRegistryServer registry, @TempDir Path dir) throws Exception {
        Path models = dir.resolve("models.properties");
        Files.writeString(models, "flat-model = 0, 10\n"); // 100 output tokens: exactly 1,000 µ$ worst case
        Map<String, String> settings = Map.of("models.file", models.toString(), "default.tier", "PRO",
                CeilingConfig.PER_MINUTE_MICROS, Long.toString(CEILING));
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "ceiling", settings);
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             IngestCluster.Decisions decisions = cluster.decisions();
             KafkaConsumer<byte[], byte[]> leaseRequests = cluster.consumer(cluster.topics.budgetLeaseRequests())) {
            IngestStage leaving = cluster.startInstance();
            cluster.startInstance();
            cluster.startInstance();
            cluster.awaitAllRunning();

            for (int u = 0; u < USERS; u++) {
                if (u == USERS / 2) {
                    producer.flush();
                    decisions.await(USERS / 4);
                    leaving.close(); // its tasks (and their leases, restored from the changelog) move to the others
                }
                String user = "burst-" + u;
                producer.send(new ProducerRecord<>(cluster.topics.requests().name(), user, AdmissionDriver.request(user)
                        .setModel("flat-model").setMessages(List.of(new ChatMessage(Role.USER, "")))
                        .setMaxOutputTokens(100).setCreatedAt(Instant.now()).build()));
            }
            producer.flush();
            decisions.await(USERS);

            Set<String> decided = new HashSet<>();
            decisions.admitted.forEach(a -> decided.add(a.getRequest().getRequestId()));
            decisions.rejected.forEach(r -> decided.add(r.getRequestId()));
            assertThat(decided).as("every request decided exactly once").hasSize(USERS);
            assertThat(decisions.admitted.size() + decisions.rejected.size()).isEqualTo(USERS);

            Map<Long, Long> admittedPerMinute = new TreeMap<>();
            decisions.admitted.forEach(a -> admittedPerMinute.merge(CeilingWindow.MINUTE.of(a.getAdmittedAt().toEpochMilli()),
                    a.getReservedMicros(), Long::sum));
            assertThat(admittedPerMinute.values()).as("worst case admitted per UTC minute")
                    .allSatisfy(sum -> assertThat(sum).isLessThanOrEqualTo(CEILING));
            // The ceiling binds (3,000 requests would be $3.00) but does not starve: every partition holds its base
            // share from the window's start without asking, so the burst admits at least the base shares in whole
            // requests (83 of 1,000 µ$ in 83,333 µ$ per partition: 498,000 µ$, not half the ceiling) even when every
            // coordinator grant arrives after the burst has passed. Summed over minutes: a burst that straddles a
            // minute boundary splits each partition's decisions.admitted between two windows.
            long base = CeilingConfig.from(SluiceConfig.of(settings)).baseShare(CeilingWindow.MINUTE, PARTITIONS);
            long baseInWholeRequests = PARTITIONS * (base / WORST) * WORST;
            assertThat(admittedPerMinute.values().stream().mapToLong(Long::longValue).sum())
                    .as("worst case admitted over the burst, at least every partition's base share")
                    .isGreaterThanOrEqualTo(baseInWholeRequests);
            assertThat(decisions.rejected).isNotEmpty().allSatisfy(r -> {
                assertThat(r.getReason()).isEqualTo(RejectReason.GLOBAL_BUDGET_EXCEEDED);
                assertThat(r.getRetryAfterMs()).isBetween(0L, 60_000L);
            });

            // The coordinator is off the request path: a handful of lease records, not one per request.
            List<ConsumerRecord<byte[], byte[]>> leases = new ArrayList<>();
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> {
                leaseRequests.poll(Duration.ofMillis(200)).forEach(leases::add);
                return !leases.isEmpty();
            });
            leaseRequests.poll(Duration.ofSeconds(1)).forEach(leases::add);
            assertThat(leases.size()).as("lease requests and returns").isLessThan(USERS / 10);
            System.out.printf("GLOBAL-CEILING %d requests, %d admitted, worst case admitted per minute %s (ceiling %d), "
                    + "%d rejected, %d lease records%n", USERS, decisions.admitted.size(), admittedPerMinute.values(), CEILING,
                    decisions.rejected.size(), leases.size());

        }
    }
}
