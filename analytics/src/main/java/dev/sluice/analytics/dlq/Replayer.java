package dev.sluice.analytics.dlq;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends chosen dead letters back to the topic they were consumed from: original key and value bytes (so the
 * default partitioner picks the original partition), {@link ReplayHeaders}, and a {@link ReplayLedger} entry,
 * all in one transaction per batch. One transactional id per prefix, so a second replayer running at the same
 * time fences the first instead of both sending.
 */
public final class Replayer {
    /** Letters per transaction. */
    static final int BATCH = 5000;
    private final Map<String, Object> producerProps;
    private final ReplayLedger ledger;
    private final Clock clock;

    public Replayer(Map<String, Object> kafkaClientProps, String prefix, ReplayLedger ledger, Clock clock) {
        this.producerProps = new HashMap<>(kafkaClientProps);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "sluice-dlq-replayer");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerProps.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        this.ledger = ledger;
        this.clock = clock;
    }

    /**
     * Decides every letter with {@code policy} and, unless {@code dryRun}, sends those to replay at most
     * {@code ratePerSecond} per second (0 = unlimited). Per-letter lines go to {@code out} on a dry run and for
     * refusals; the progress line goes to {@code err}.
     */
    public ReplaySummary replay(List<Letter> letters, ReplayPolicy policy, boolean dryRun, double ratePerSecond,
                                PrintWriter out, PrintWriter err) {
        ReplaySummary summary = new ReplaySummary(dryRun, policy.maxReplays());
        long start = System.nanoTime();
        List<Letter> toSend = new java.util.ArrayList<>();
        for (Letter letter : letters) {
            ReplayPolicy.Outcome outcome = policy.decide(letter);
            String target = letter.view().getOriginalTopic();
            summary.count(outcome, target);
            if (outcome == ReplayPolicy.Outcome.REPLAY) {
                toSend.add(letter);
                if (dryRun) {
                    out.printf("would replay %s -> %s (replay %d of max %d) stage=%s error=%s user=%s request=%s%n", letter.coordinates(), target,
                            letter.view().getReplayCount() + 1, policy.maxReplays(), letter.view().getStage(),
                            letter.view().getErrorClass(), letter.view().getUserId(), letter.view().getRequestId());
                }
            } else {
                out.printf("%s %s: %s (original topic %s, replayed %d times)%n", dryRun ? "would skip" : "skipped",
                        letter.coordinates(), outcome.label(), target, letter.view().getReplayCount());
            }
        }
        if (!dryRun && !toSend.isEmpty()) {
            send(toSend, ratePerSecond, err);
        }
        summary.finish(Duration.ofNanos(System.nanoTime() - start));
        return summary;
    }

    private void send(List<Letter> letters, double ratePerSecond, PrintWriter err) {
        Progress progress = new Progress(err, letters.size());
        long intervalNanos = ratePerSecond > 0 ? (long) (1e9 / ratePerSecond) : 0;
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            int sent = 0;
            while (sent < letters.size()) {
                producer.beginTransaction();
                try {
                    int end = Math.min(sent + BATCH, letters.size());
                    for (int i = sent; i < end; i++) {
                        if (intervalNanos > 0) {
                            long due = t0 + i * intervalNanos;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                        }
                        Letter letter = letters.get(i);
                        String target = letter.view().getOriginalTopic();
                        producer.send(new ProducerRecord<>(target, null, letter.record().key(), letter.record().value(),
                                ReplayHeaders.forReplay(letter)));
                        producer.send(ledger.entry(letter, target, clock.instant()));
                        progress.update(i + 1);
                    }
                    producer.commitTransaction();
                    sent = end;
                } catch (KafkaException e) {
                    safeAbort(producer);
                    throw new ReplayException("replay stopped after " + sent + " of " + letters.size()
                            + " letters; the failed batch was rolled back, run the same replay again to continue: " + e.getMessage(), e);
                }
            }
            progress.update(letters.size());
        } finally {
            progress.done();
        }
    }

    private static void safeAbort(KafkaProducer<byte[], byte[]> producer) {
        try {
            producer.abortTransaction();
        } catch (KafkaException ignored) {
            // fenced or closed: the broker aborts the open transaction itself
        }
    }

    /** A replay that stopped part-way; everything committed before it stays replayed and recorded. */
    public static final class ReplayException extends RuntimeException {
        ReplayException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
