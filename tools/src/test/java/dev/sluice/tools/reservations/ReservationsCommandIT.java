package dev.sluice.tools.reservations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.IngestStage;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code sluice reservations} against the real admission stage: requests admitted, some of them charged (one above its
 * reservation, one twice), released, or charged without ever being admitted; the command lists exactly the money still
 * held, read from admission's own changelog, and the stage's gauges agree; a lost request's reservation released by
 * the command frees its money once.
 */
@Tag("integration")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class ReservationsCommandIT {

    @Test
    void shouldListExactlyTheReservationsStillHeldAfterChargesReleasesAndDuplicates(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        String prefix = SluiceInfra.uniquePrefix("reservations");
        TopicCatalog topics = new TopicCatalog(prefix, 3, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            // createAll checks co-partitioning right after creating; metadata can lag a moment behind
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                TopicSetup.createAll(topics, admin, (short) 1);
                return true;
            });
        }
        Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "topic.prefix", prefix,
                "topic.partitions", "3", "schema.registry.url", registry.url(), "default.tier", "PRO",
                "state.dir", SluiceInfra.workDir("reservations-state").resolve(prefix).toString()));
        SluiceConfig config = SluiceConfig.of(settings);

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        long heldMicros;
        long heldAfter;
        long usersAfter;
        try (IngestStage ingest = ingest(config, topics, kafka, meters);
             KafkaProducer<String, LlmRequest> requests = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     topics.requests().keySerde().serializer(), topics.requests().valueSerde().serializer());
             KafkaProducer<String, CostEvent> costs = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     topics.costs().keySerde().serializer(), topics.costs().valueSerde().serializer())) {
            ingest.start();
            String[] users = {"alice", "alice", "alice", "bob", "bob", "carol"};
            for (String user : users) {
                requests.send(new ProducerRecord<>(topics.requests().name(), user, request(user)));
            }
            requests.flush();
            List<AdmittedRequest> admitted = readAdmitted(kafka, topics, users.length);
            AdmittedRequest alice1 = admitted.stream().filter(a -> a.getRequest().getUserId().equals("alice")).findFirst().orElseThrow();
            AdmittedRequest bob1 = admitted.stream().filter(a -> a.getRequest().getUserId().equals("bob")).findFirst().orElseThrow();

            send(costs, topics, cost(alice1, alice1.getReservedMicros() * 3, CostKind.CHARGED)); // above its reservation
            send(costs, topics, cost(alice1, alice1.getReservedMicros(), CostKind.CHARGED)); // a duplicate
            send(costs, topics, cost(bob1, 0, CostKind.RELEASED));
            send(costs, topics, CostEvent.newBuilder(cost(bob1, 500, CostKind.CHARGED)).setRequestId("never-admitted").build());
            List<AdmittedRequest> stillHeld = admitted.stream().filter(a -> a != alice1 && a != bob1).toList();
            heldMicros = stillHeld.stream().mapToLong(AdmittedRequest::getReservedMicros).sum();

            await("the charge and the release reconciled").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(requestIds(json(config, Clock.systemUTC())))
                            .containsExactlyInAnyOrderElementsOf(stillHeld.stream().map(a -> a.getRequest().getRequestId()).toList()));

            JsonNode all = json(config, Clock.systemUTC());
            assertThat(all.get("held").asLong()).isEqualTo(4);
            assertThat(all.get("users").asLong()).as("alice, bob and carol").isEqualTo(3);
            assertThat(all.get("reservedMicros").asLong()).isEqualTo(heldMicros);
            assertThat(all.get("oldestAdmittedAt").asText()).isEqualTo(stillHeld.stream().map(AdmittedRequest::getAdmittedAt).min(Instant::compareTo)
                    .orElseThrow().toString());
            assertThat(requestIds(json(config, Clock.systemUTC(), "--user", "carol"))).singleElement()
                    .isEqualTo(stillHeld.stream().filter(a -> a.getRequest().getUserId().equals("carol")).findFirst().orElseThrow().getRequest().getRequestId());

            assertThat(run(config, Clock.systemUTC(), "--older-than", "1h")).as("nothing has been held for an hour yet")
                    .contains("4 reservations held by 3 users, " + String.format("%,d", heldMicros) + " µ$ in all").contains("0 shown (held for longer than 1h)");
            Clock twoHoursLater = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
            assertThat(run(config, twoHoursLater, "--older-than", "1h")).contains("4 shown (held for longer than 1h)")
                    .contains("2h00m").doesNotContain(alice1.getRequest().getRequestId()).doesNotContain(bob1.getRequest().getRequestId());

            assertThat(held(meters)).as("the stage's own gauges agree with its changelog").containsExactly(heldMicros, 3L);
            long oldest = Instant.parse(all.get("oldestAdmittedAt").asText()).toEpochMilli();
            long before = System.currentTimeMillis();
            double oldestAge = meters.get("sluice.ingest.reservations.held.oldest.seconds").gauge().value();
            long after = System.currentTimeMillis();
            assertThat(oldestAge).as("and on the oldest's age, to the minute")
                    .isBetween((before - oldest) / 1000.0, (after - oldest) / 1000.0 + 60);

            // carol's request was lost: release it, once the operator says it was not billed
            AdmittedRequest carol = stillHeld.stream().filter(a -> a.getRequest().getUserId().equals("carol")).findFirst().orElseThrow();
            String carolId = carol.getRequest().getRequestId();
            Result unconfirmed = execute(config, Clock.systemUTC(), "release", "--request", carolId);
            assertThat(unconfirmed.code()).isNotZero();
            assertThat(unconfirmed.out()).contains("would release " + carolId + " of carol").contains("nothing sent");
            Result released = execute(config, Clock.systemUTC(), "release", "--request", carolId,
                    "--request", alice1.getRequest().getRequestId(), "--not-billed");
            assertThat(released.code()).as("one of the two refused").isNotZero();
            assertThat(released.out()).contains("released " + carolId + " of carol")
                    .contains("refused " + alice1.getRequest().getRequestId() + ": no reservation held").contains("1 released, 1 refused");
            long afterRelease = heldMicros - carol.getReservedMicros();
            await("the release reconciled").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> held(meters).equals(List.of(afterRelease, 2L)));
            assertThat(requestIds(json(config, Clock.systemUTC()))).hasSize(3).doesNotContain(carolId);
            assertThat(execute(config, Clock.systemUTC(), "release", "--request", carolId, "--not-billed").out())
                    .as("released once").contains("refused " + carolId + ": no reservation held").contains("0 released");

            // a requestId is unique per user only: two users' requests under one id are not released on a guess
            String shared = UUID.randomUUID().toString();
            for (String user : List.of("erin", "frank")) {
                requests.send(new ProducerRecord<>(topics.requests().name(), user, LlmRequest.newBuilder(request(user))
                        .setRequestId(shared).build()));
            }
            requests.flush();
            await("both admitted and held").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> requestIds(json(config, Clock.systemUTC())).stream().filter(shared::equals).count() == 2);
            assertThat(execute(config, Clock.systemUTC(), "release", "--request", shared, "--not-billed").out())
                    .contains("refused " + shared + ": held by 2 users").contains("0 released");
            JsonNode last = json(config, Clock.systemUTC());
            heldAfter = last.get("reservedMicros").asLong();
            usersAfter = last.get("users").asLong();
            assertThat(usersAfter).isEqualTo(4);
        }
        SimpleMeterRegistry restarted = new SimpleMeterRegistry();
        try (IngestStage again = ingest(config, topics, kafka, restarted)) {
            again.start();
            await("the restarted stage counts what its users hold").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> held(restarted).equals(List.of(heldAfter, usersAfter)));
        }
    }

    private record Result(int code, String out) {}

    private static Result execute(SluiceConfig config, Clock clock, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ReservationsCommand(config, clock));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        int code = cli.execute(args);
        return new Result(code, out.toString());
    }

    private static IngestStage ingest(SluiceConfig config, TopicCatalog topics, KafkaBroker kafka, SimpleMeterRegistry meters) {
        return new IngestStage(IngestConfig.from(config), topics, meters,
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "commit.interval.ms", 100), Clock.systemUTC());
    }

    private static List<Long> held(SimpleMeterRegistry meters) {
        return List.of((long) meters.get("sluice.ingest.reservations.held.micros").gauge().value(),
                (long) meters.get("sluice.ingest.reservations.held.users").gauge().value());
    }

    @Test
    void shouldSayWhatToCheckWhenAdmissionHasNoChangelogUnderThatApplicationId(KafkaBroker kafka, SchemaRegistryServer registry) {
        SluiceConfig config = SluiceConfig.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "schema.registry.url", registry.url(),
                "ingest.application.id", "never-ran-" + UUID.randomUUID()));
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ReservationsCommand(config, Clock.systemUTC()));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute()).isNotZero();
        assertThat(err.toString()).contains("no changelog never-ran-").contains("-admission-requests-changelog")
                .contains("has admission run with ingest.application.id=never-ran-");
    }

    private static LlmRequest request(String user) {
        return LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setUserId(user).setModel("gpt-4o-mini")
                .setMessages(List.of(new ChatMessage(Role.USER, "Summarise the meeting notes."))).setMaxOutputTokens(100)
                .setCreatedAt(Instant.now()).build();
    }

    private static CostEvent cost(AdmittedRequest a, long micros, CostKind kind) {
        return CostEvent.newBuilder().setRequestId(a.getRequest().getRequestId()).setUserId(a.getRequest().getUserId())
                .setModel("gpt-4o-mini").setProvider("simulated").setInputTokens(10).setOutputTokens(10).setCostMicros(micros)
                .setReservedMicros(a.getReservedMicros()).setOccurredAt(Instant.now()).setKind(kind).build();
    }

    private static void send(KafkaProducer<String, CostEvent> producer, TopicCatalog topics, CostEvent event) throws Exception {
        producer.send(new ProducerRecord<>(topics.costs().name(), event.getUserId(), event)).get();
    }

    private static List<AdmittedRequest> readAdmitted(KafkaBroker kafka, TopicCatalog topics, int n) {
        List<AdmittedRequest> admitted = new ArrayList<>();
        try (KafkaConsumer<String, AdmittedRequest> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topics.admitted().keySerde().deserializer(), topics.admitted().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.admitted().name()));
            await("every request admitted").atMost(Duration.ofMinutes(2))
                    .until(() -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> admitted.add(r.value()));
                        return admitted.size() >= n;
                    });
        }
        return admitted;
    }

    private static List<String> requestIds(JsonNode doc) {
        List<String> ids = new ArrayList<>();
        doc.get("reservations").forEach(r -> ids.add(r.get("requestId").asText()));
        return ids;
    }

    private static JsonNode json(SluiceConfig config, Clock clock, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        return new ObjectMapper().readTree(run(config, clock, all.toArray(String[]::new)));
    }

    private static String run(SluiceConfig config, Clock clock, String... args) {
        Result result = execute(config, clock, args);
        assertThat(result.code()).as(String.join(" ", args)).isZero();
        return result.out();
    }
}
