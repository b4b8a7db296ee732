package dev.sluice.tools.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.contracts.TopicNames;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class DlqReplayIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldProduceNothingWhenDryRun(KafkaBroker kafka) {
        DlqFixture f = new DlqFixture(kafka, "dlq-dry");
        f.send(enrichedLetters(f, 5));

        DlqFixture.Run run = f.dlq("replay", "--dry-run");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().lines().filter(l -> l.startsWith("would replay ") && l.contains(" -> " + f.topic(TopicNames.ENRICHED)))).hasSize(5);
        assertThat(run.out()).contains("5 selected, 5 would replay");
        assertThat(f.readAll(f.topic(TopicNames.ENRICHED))).isEmpty();
        assertThat(f.readAll(f.prefix + ReplayLedger.TOPIC)).isEmpty();
        assertThat(f.dlq("replay").out()).as("a dry run records nothing, so the real run sends all").contains("5 replayed");
    }

    @Test
    void shouldSelectExactlyTheLettersTheFiltersClaim(KafkaBroker kafka) throws Exception {
        DlqFixture f = new DlqFixture(kafka, "dlq-filter");
        String dlq = f.topic(TopicNames.DLQ);
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
        String[] stages = {"generation", "enrichment", "ingest"};
        String[] errors = {"RETRIES_EXHAUSTED", "BREAKER_OPEN_DEADLINE", "DESERIALIZATION"};
        String[] users = {"alice", "bob"};
        for (int i = 0; i < 24; i++) {
            String stage = stages[i % 3];
            String topic = f.topic(stage.equals("generation") ? TopicNames.ENRICHED : stage.equals("enrichment") ? TopicNames.ADMITTED : TopicNames.REQUESTS);
            letters.add(DlqFixture.letter(dlq, topic, i, stage, errors[(i / 3) % 3], users[(i / 2) % 2], "req-" + i, DlqFixture.hoursAgo(i * 3L), 0));
        }
        f.send(letters);

        assertThat(ids(f, "list", "--json")).hasSize(24);
        assertThat(ids(f, "list", "--json", "--stage", "generation")).isEqualTo(expected(i -> i % 3 == 0));
        assertThat(ids(f, "list", "--json", "--error-class", "BREAKER_OPEN_DEADLINE")).isEqualTo(expected(i -> (i / 3) % 3 == 1));
        assertThat(ids(f, "list", "--json", "--user", "bob")).isEqualTo(expected(i -> (i / 2) % 2 == 1));
        assertThat(ids(f, "list", "--json", "--since", "24h")).as("failed at most 24 h ago").isEqualTo(expected(i -> i * 3 <= 24));
        assertThat(ids(f, "list", "--json", "--from", DlqFixture.hoursAgo(30).toString(), "--to", DlqFixture.hoursAgo(9).toString()))
                .as("from inclusive, to exclusive").isEqualTo(expected(i -> i * 3 <= 30 && i * 3 > 9));
        assertThat(ids(f, "list", "--json", "--stage", "enrichment", "--user", "alice", "--since", "48h"))
                .isEqualTo(expected(i -> i % 3 == 1 && (i / 2) % 2 == 0 && i * 3 <= 48));

        JsonNode inspected = JSON.readTree(f.dlq("inspect", "--json", "--user", "alice", "--stage", "generation").out().lines().findFirst().orElseThrow());
        assertThat(new String(Base64.getDecoder().decode(inspected.get("originalValue").asText()), StandardCharsets.UTF_8))
                .isEqualTo("value-of-" + inspected.get("requestId").asText());
        assertThat(f.dlq("list", "--json").out()).doesNotContain("originalValue");
        assertThat(f.dlq("list", "--stage", "generation").out()).contains("RETRIES_EXHAUSTED", "alice", "8 dead letters");
        DlqFixture.Run dry = f.dlq("replay", "--dry-run", "--stage", "ingest");
        assertThat(dry.out()).contains("8 selected, 0 would replay").contains("8 refused: failed at admission input");
    }

    @Test
    void shouldReplayToTheOriginalTopicWithReplayHeadersAndNeverToAdmission(KafkaBroker kafka) {
        DlqFixture f = new DlqFixture(kafka, "dlq-replay");
        String dlq = f.topic(TopicNames.DLQ);
        f.send(List.of(
                DlqFixture.letter(dlq, f.topic(TopicNames.ENRICHED), 41, "generation", "RETRIES_EXHAUSTED", "alice", "r1", DlqFixture.hoursAgo(1), 0),
                DlqFixture.letter(dlq, f.topic(TopicNames.ADMITTED), 7, "enrichment", "EMBEDDING_FAILED", "bob", "r2", DlqFixture.hoursAgo(1), 1),
                DlqFixture.letter(dlq, f.topic(TopicNames.REQUESTS), 3, "ingest", "DESERIALIZATION", "carol", "r3", DlqFixture.hoursAgo(1), 0)));

        DlqFixture.Run run = f.dlq("replay", "--rate", "100/s");

        assertThat(run.out()).contains("3 selected, 2 replayed, 0 already replayed, 1 refused").contains("failed at admission input");
        assertThat(run.err()).as("letters are streamed, not counted first: the progress line counts what was sent").contains("2 sent");
        List<ConsumerRecord<byte[], byte[]>> enriched = f.readAll(f.topic(TopicNames.ENRICHED));
        assertThat(enriched).hasSize(1);
        ConsumerRecord<byte[], byte[]> r1 = enriched.get(0);
        assertThat(new String(r1.key(), StandardCharsets.UTF_8)).isEqualTo("alice");
        assertThat(new String(r1.value(), StandardCharsets.UTF_8)).isEqualTo("value-of-r1");
        assertThat(header(r1, DeadLetterHeaders.REPLAY_COUNT)).isEqualTo("1");
        assertThat(header(r1, ReplayHeaders.ORIGINAL_TOPIC)).isEqualTo(f.topic(TopicNames.ENRICHED));
        assertThat(header(r1, ReplayHeaders.ORIGINAL_PARTITION)).isEqualTo("0");
        assertThat(header(r1, ReplayHeaders.ORIGINAL_OFFSET)).isEqualTo("41");
        assertThat(header(r1, "traceparent")).as("caller headers survive").isEqualTo("00-abc-01");
        assertThat(Arrays.stream(r1.headers().toArray()).map(h -> h.key()))
                .noneMatch(k -> k.startsWith("sluice.dlq.") || k.startsWith("__streams.errors."));
        List<ConsumerRecord<byte[], byte[]>> admitted = f.readAll(f.topic(TopicNames.ADMITTED));
        assertThat(admitted).hasSize(1);
        assertThat(header(admitted.get(0), DeadLetterHeaders.REPLAY_COUNT)).isEqualTo("2");
        assertThat(f.readAll(f.topic(TopicNames.REQUESTS))).as("never back through admission").isEmpty();
    }

    @Test
    void shouldRefuseLettersAtTheReplayLimit(KafkaBroker kafka) {
        DlqFixture f = new DlqFixture(kafka, "dlq-limit");
        String dlq = f.topic(TopicNames.DLQ);
        String enriched = f.topic(TopicNames.ENRICHED);
        f.send(List.of(
                DlqFixture.letter(dlq, enriched, 1, "generation", "RETRIES_EXHAUSTED", "alice", "looped", DlqFixture.hoursAgo(1), 3),
                DlqFixture.letter(dlq, enriched, 2, "generation", "RETRIES_EXHAUSTED", "alice", "twice", DlqFixture.hoursAgo(1), 2)));

        assertThat(f.dlq("replay", "--max-replays", "2", "--dry-run").out()).contains("0 would replay").contains("2 refused: replay limit reached (max 2)");
        DlqFixture.Run run = f.dlq("replay");

        assertThat(run.out()).contains("2 selected, 1 replayed").contains("1 refused: replay limit reached (max 3)")
                .containsPattern("skipped \\d@0: refused: replay limit reached");
        List<ConsumerRecord<byte[], byte[]>> sent = f.readAll(enriched);
        assertThat(sent).hasSize(1);
        assertThat(new String(sent.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("value-of-twice");
        assertThat(header(sent.get(0), DeadLetterHeaders.REPLAY_COUNT)).isEqualTo("3");
    }

    @Test
    void shouldNotResendWhenTheSameLettersAreReplayedTwice(KafkaBroker kafka) {
        DlqFixture f = new DlqFixture(kafka, "dlq-twice");
        f.send(enrichedLetters(f, 20));

        assertThat(f.dlq("replay").out()).contains("20 selected, 20 replayed");
        DlqFixture.Run second = f.dlq("replay");

        assertThat(second.out()).contains("20 selected, 0 replayed, 20 already replayed");
        assertThat(f.readAll(f.topic(TopicNames.ENRICHED))).hasSize(20);
        assertThat(f.dlq("replay", "--again", "--user", "user-3").out()).as("--again overrides the ledger").contains("1 replayed");
        assertThat(f.readAll(f.topic(TopicNames.ENRICHED))).hasSize(21);
    }

    private static List<ProducerRecord<byte[], byte[]>> enrichedLetters(DlqFixture f, int n) {
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            letters.add(DlqFixture.letter(f.topic(TopicNames.DLQ), f.topic(TopicNames.ENRICHED), i, "generation", "RETRIES_EXHAUSTED",
                    "user-" + i, "req-" + i, DlqFixture.hoursAgo(1), 0));
        }
        return letters;
    }

    private static Set<String> ids(DlqFixture f, String... args) throws Exception {
        DlqFixture.Run run = f.dlq(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        Set<String> ids = new java.util.TreeSet<>();
        for (String line : run.out().lines().toList()) {
            ids.add(JSON.readTree(line).get("requestId").asText());
        }
        return ids;
    }

    private static Set<String> expected(java.util.function.IntPredicate keep) {
        return java.util.stream.IntStream.range(0, 24).filter(keep).mapToObj(i -> "req-" + i).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        return DeadLetterHeaders.get(r.headers(), key).orElse(null);
    }
}
