package dev.sluice.tools.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.Durations;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class ReplayPolicyTest {
    private static final String ENRICHED = "p.llm.requests.enriched";

    private static Letter letter(String originalTopic, int replayCount, long dlqOffset) {
        return letter(originalTopic, replayCount, dlqOffset, "RETRIES_EXHAUSTED");
    }

    private static Letter letter(String originalTopic, int replayCount, long dlqOffset, String errorClass) {
        ProducerRecord<byte[], byte[]> p = DlqFixture.letter("p.llm.dlq", originalTopic, 5, "generation", errorClass, "alice",
                "r1", DlqFixture.NOW, replayCount);
        ConsumerRecord<byte[], byte[]> c = new ConsumerRecord<>("p.llm.dlq", 0, dlqOffset, p.key(), p.value());
        p.headers().forEach(h -> c.headers().add(h));
        return Letter.of(c);
    }

    @Test
    void shouldDecideEachOutcomeWhenLettersDiffer() {
        Letter done = letter(ENRICHED, 0, 9);
        ReplayPolicy policy = new ReplayPolicy("p.llm.requests", Set.of(ENRICHED), 3, Set.of(ReplayLedger.keyOf(done)));
        assertThat(policy.decide(letter(ENRICHED, 0, 1))).isEqualTo(ReplayPolicy.Outcome.REPLAY);
        assertThat(policy.decide(letter(ENRICHED, 2, 1))).isEqualTo(ReplayPolicy.Outcome.REPLAY);
        assertThat(policy.decide(letter(ENRICHED, 3, 1))).isEqualTo(ReplayPolicy.Outcome.REFUSED_LIMIT);
        assertThat(policy.decide(letter("p.llm.requests", 0, 1))).isEqualTo(ReplayPolicy.Outcome.REFUSED_ADMISSION_INPUT);
        assertThat(policy.decide(letter("other.llm.requests.enriched", 0, 1))).isEqualTo(ReplayPolicy.Outcome.REFUSED_UNKNOWN_TOPIC);
        assertThat(policy.decide(done)).isEqualTo(ReplayPolicy.Outcome.ALREADY_REPLAYED);
    }

    @Test
    void shouldRefuseALetterWhoseCallMayHaveBeenBilledUnlessTheOperatorAcceptsToPayAgain() {
        Letter unknown = letter(ENRICHED, 0, 4, "OUTCOME_UNKNOWN");
        ReplayPolicy careful = new ReplayPolicy("p.llm.requests", Set.of(ENRICHED), 3, Set.of());
        assertThat(careful.decide(unknown)).isEqualTo(ReplayPolicy.Outcome.REFUSED_MAY_REPAY);
        assertThat(careful.decide(letter(ENRICHED, 0, 5, "SERVER_ERROR"))).isEqualTo(ReplayPolicy.Outcome.REFUSED_MAY_REPAY);
        assertThat(ReplayPolicy.Outcome.REFUSED_MAY_REPAY.label()).contains("may pay twice").contains("--accept-repay");
        assertThat(careful.decide(letter(ENRICHED, 0, 6, "OVERLOADED"))).as("never reached the provider").isEqualTo(ReplayPolicy.Outcome.REPLAY);

        ReplayPolicy accepting = new ReplayPolicy("p.llm.requests", Set.of(ENRICHED), 3, Set.of(), true);
        assertThat(accepting.decide(unknown)).isEqualTo(ReplayPolicy.Outcome.REPLAY);
    }

    @Test
    void shouldKeepTheFirstOriginalCoordinatesWhenALetterIsReplayedAgain() {
        Letter first = letter(ENRICHED, 0, 1);
        var headers = ReplayHeaders.forReplay(first);
        assertThat(DeadLetterHeaders.get(headers, ReplayHeaders.ORIGINAL_OFFSET)).contains("5");
        // The replayed copy (now at offset 77) fails again: the stage's new letter carries our headers along.
        ConsumerRecord<byte[], byte[]> copy = new ConsumerRecord<>(ENRICHED, 0, 77, "alice".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        headers.forEach(h -> copy.headers().add(h));
        ProducerRecord<byte[], byte[]> again = DeadLetterHeaders.deadLetter("p.llm.dlq", copy, "generation", "RETRIES_EXHAUSTED", "503", 2, "r1", DlqFixture.NOW);
        ConsumerRecord<byte[], byte[]> second = new ConsumerRecord<>("p.llm.dlq", 0, 2, again.key(), again.value());
        again.headers().forEach(h -> second.headers().add(h));
        var next = ReplayHeaders.forReplay(Letter.of(second));
        assertThat(DeadLetterHeaders.get(next, DeadLetterHeaders.REPLAY_COUNT)).contains("2");
        assertThat(DeadLetterHeaders.get(next, ReplayHeaders.ORIGINAL_OFFSET)).contains("5");
    }

    @Test
    void shouldParseSpansRatesAndInstantsWhenSpelledAsOnTheCommandLine() {
        assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("PT90M")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.rate("200/s")).isEqualTo(200);
        assertThat(Durations.rate("600/m")).isEqualTo(10);
        assertThat(Durations.rate("unlimited")).isZero();
        assertThat(Durations.instant("2025-03-01")).isEqualTo(java.time.Instant.parse("2025-03-01T00:00:00Z"));
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> Durations.rate("fast")).hasMessageContaining("not a rate");
    }
}
