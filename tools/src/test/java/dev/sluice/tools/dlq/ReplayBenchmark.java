package dev.sluice.tools.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.contracts.TopicNames;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Replay throughput with the rate unlimited: 50,000 dead letters of ~400 B read from the DLQ and replayed
 * (transactional, with ledger entries), against a baseline measured in the same run: a plain idempotent
 * producer copying the same records with no headers, ledger or transactions.
 * Run: {@code ./mvnw -Pbench -o -pl analytics verify}.
 */
@ExtendWith(SluiceInfra.class)
class ReplayBenchmark {
    private static final int LETTERS = 50_000;

    @Test
    void shouldReportReplayThroughputWithTheRateUnlimited(KafkaBroker kafka) {
        DlqFixture f = new DlqFixture(kafka, "replay-bench");
        String dlq = f.topic(TopicNames.DLQ);
        String enriched = f.topic(TopicNames.ENRICHED);
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>(LETTERS);
        for (int i = 0; i < LETTERS; i++) {
            letters.add(DlqFixture.letter(dlq, enriched, i, "generation", "RETRIES_EXHAUSTED", "user-" + (i % 500),
                    "request-" + i + "-" + "x".repeat(300), DlqFixture.NOW, 0));
        }
        f.send(letters);

        // Baseline: read the same letters and copy them with a plain producer.
        long b0 = System.nanoTime();
        List<Letter> read = new DlqReader(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())).read(dlq, LetterFilter.all());
        String copyTopic = f.topic("bench.copy");
        kafka.createTopics(3, copyTopic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new ByteArraySerializer(), new ByteArraySerializer())) {
            read.forEach(l -> producer.send(new ProducerRecord<>(copyTopic, l.record().key(), l.record().value())));
            producer.flush();
        }
        double baselineSeconds = (System.nanoTime() - b0) / 1e9;

        StringWriter out = new StringWriter();
        long r0 = System.nanoTime();
        int code = new picocli.CommandLine(new DlqCommand(f.config, Clock.systemUTC())).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(new StringWriter(), true)).execute("replay");
        double replaySeconds = (System.nanoTime() - r0) / 1e9;
        assertThat(code).isZero();
        assertThat(out.toString()).contains(LETTERS + " replayed");
        assertThat(f.readAll(enriched)).hasSize(LETTERS);

        double replayRate = LETTERS / replaySeconds;
        double baselineRate = LETTERS / baselineSeconds;
        System.out.printf("%nReplayBenchmark: %,d letters, rate unlimited%n", LETTERS);
        System.out.printf("  sluice dlq replay (read DLQ + ledger, transactional send + ledger): %.2f s, %,.0f records/s%n", replaySeconds, replayRate);
        System.out.printf("  baseline (read DLQ + plain producer copy, no tx, no ledger):        %.2f s, %,.0f records/s%n", baselineSeconds, baselineRate);
        System.out.printf("  ratio replay/baseline: %.2f%n", replayRate / baselineRate);
        System.out.println("  " + out.toString().lines().filter(l -> l.contains("records/s")).findFirst().orElse("").trim()
                + " (send phase only, from the summary)");
        assertThat(Set.of(code)).containsExactly(0);
    }
}
