package dev.sluice.tools.reservations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.IngestStage;
import dev.sluice.ingest.admission.HeldReservation;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.tools.dlq.DlqReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How long {@code sluice reservations} takes on a large store: the real admission stage admits
 * {@code bench.reservations.requests} requests (default 500,000) of 10,000 users and nine in ten are charged, so its
 * admitted-requests changelog holds what a busy day leaves (held entries, then mostly settled ones); then the command lists
 * the held ones. Baseline in the same run: a bare {@code read_committed} read of the same changelog that decodes
 * nothing. Prints both times, the records read and the ratio; checks the count of held reservations is exact.
 * Run: {@code ./mvnw -Pbench -o -pl tools -am verify -Dit.test=ReservationsBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class ReservationsBenchmark {
    private static final int REQUESTS = Integer.getInteger("bench.reservations.requests", 500_000);
    private static final int USERS = 10_000;

    @Test
    void shouldReportTheTimeToListHeldReservationsAgainstABareReadOfTheChangelog(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        String prefix = SluiceInfra.uniquePrefix("reservations-bench");
        TopicCatalog topics = new TopicCatalog(prefix, 6, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                TopicSetup.createAll(topics, admin, (short) 1);
                return true;
            });
        }
        Map<String, String> settings = new HashMap<>(Map.of(CommonKeys.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                CommonKeys.TOPIC_PREFIX, prefix, CommonKeys.TOPIC_PARTITIONS, "6", CommonKeys.SCHEMA_REGISTRY_URL, registry.url(),
                CommonKeys.DEFAULT_TIER, "PRO", CommonKeys.STATE_DIR, SluiceInfra.workDir("reservations-bench").resolve(prefix).toString()));
        settings.putAll(Map.of("ingest.tier.pro.requests.per.minute", "1000000", "ingest.tier.pro.requests.per.day", "1000000000",
                "ingest.tier.pro.tokens.per.minute", "1000000000000", "ingest.tier.pro.daily.budget.micros", "1000000000000"));
        SluiceConfig config = SluiceConfig.of(settings);
        long charged;
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (IngestStage ingest = new IngestStage(IngestConfig.from(config), topics, meters,
                Map.of("bootstrap.servers", kafka.bootstrapServers()), Clock.systemUTC())) {
            ingest.start();
            long t0 = System.nanoTime();
            try (KafkaProducer<String, LlmRequest> producer = new KafkaProducer<>(producerProps(kafka),
                    topics.requests().keySerde().serializer(), topics.requests().valueSerde().serializer())) {
                for (int i = 0; i < REQUESTS; i++) {
                    String user = "user-" + (i % USERS);
                    producer.send(new ProducerRecord<>(topics.requests().name(), user, LlmRequest.newBuilder()
                            .setRequestId(UUID.randomUUID().toString()).setUserId(user).setModel("gpt-4o-mini")
                            .setMessages(List.of(new ChatMessage(Role.USER, "Summarise the meeting notes."))).setMaxOutputTokens(100)
                            .setCreatedAt(Instant.now()).build()));
                }
            }
            long[] chargedAndHeld = chargeNineInTen(kafka, topics);
            charged = chargedAndHeld[0];
            await("every charge reconciled").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500))
                    .until(() -> (long) meters.get("sluice.ingest.reservations.held.micros").gauge().value() == chargedAndHeld[1]);
            System.out.printf("RESERVATIONS admitted %,d requests and charged %,d in %.1f s%n", REQUESTS, charged, (System.nanoTime() - t0) / 1e9);
        }

        String changelog = HeldReservation.changelogTopic(IngestConfig.from(config).applicationId());
        AtomicLong records = new AtomicLong();
        long b0 = System.nanoTime();
        new DlqReader(CommonKeys.kafkaClientProperties(config)).scan(changelog, r -> records.incrementAndGet());
        double bare = (System.nanoTime() - b0) / 1e9;

        StringWriter out = new StringWriter();
        long c0 = System.nanoTime();
        int code = new picocli.CommandLine(new ReservationsCommand(config, Clock.systemUTC())).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(new StringWriter(), true)).execute("--older-than", "1h");
        double command = (System.nanoTime() - c0) / 1e9;

        assertThat(code).isZero();
        assertThat(out.toString()).contains(String.format("%,d reservations held", REQUESTS - charged));
        System.out.printf("RESERVATIONS changelog %,d records: bare read %.2f s (%,.0f records/s), sluice reservations %.2f s"
                        + " (%,.0f records/s), ratio %.2f%n", records.get(), bare, records.get() / bare, command,
                records.get() / command, bare / command);
    }

    /**
     * Charges nine admitted requests in ten (their worst case), as generation would: CHARGED cost events. Returns the
     * number charged and the money the others still hold.
     */
    private static long[] chargeNineInTen(KafkaBroker kafka, TopicCatalog topics) {
        long charged = 0;
        long admitted = 0;
        long held = 0;
        try (KafkaConsumer<String, AdmittedRequest> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000), topics.admitted().keySerde().deserializer(), topics.admitted().valueSerde().deserializer());
             KafkaProducer<String, CostEvent> costs = new KafkaProducer<>(producerProps(kafka),
                     topics.costs().keySerde().serializer(), topics.costs().valueSerde().serializer())) {
            consumer.subscribe(List.of(topics.admitted().name()));
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (admitted < REQUESTS && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    AdmittedRequest a = r.value();
                    if (admitted++ % 10 == 0) {
                        held += a.getReservedMicros();
                    } else {
                        costs.send(new ProducerRecord<>(topics.costs().name(), r.key(), CostEvent.newBuilder()
                                .setRequestId(a.getRequest().getRequestId()).setUserId(r.key()).setModel("gpt-4o-mini").setProvider("simulated")
                                .setInputTokens(10).setOutputTokens(10).setCostMicros(a.getReservedMicros())
                                .setReservedMicros(a.getReservedMicros()).setOccurredAt(Instant.now()).build()));
                        charged++;
                    }
                }
            }
        }
        assertThat(admitted).as("every request admitted").isEqualTo(REQUESTS);
        return new long[] {charged, held};
    }

    private static Map<String, Object> producerProps(KafkaBroker kafka) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    }
}
