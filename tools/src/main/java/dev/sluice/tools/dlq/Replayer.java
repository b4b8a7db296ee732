package dev.sluice.tools.dlq;

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
     * Decides every letter {@code source} streams with {@code policy} and, unless {@code dryRun}, sends those to
     * replay at most {@code ratePerSecond} per second (0 = unlimited), {@value #BATCH} per transaction: only one
     * batch of letters is held at a time. Per-letter lines go to {@code out} on a dry run and for refusals; the
     * progress line goes to {@code err}.
     */
    public ReplaySummary replay(java.util.function.Consumer<java.util.function.Consumer<Letter>> source, ReplayPolicy policy,
                                boolean dryRun, double ratePerSecond, PrintWriter out, PrintWriter err) {
        ReplaySummary summary = new ReplaySummary(dryRun, policy.maxReplays());
        long start = System.nanoTime();
        try (Sender sender = dryRun ? null : new Sender(ratePerSecond, err)) {
            List<Letter> batch = new java.util.ArrayList<>();
            source.accept(letter -> {
                ReplayPolicy.Outcome outcome = policy.decide(letter);
                String target = letter.view().getOriginalTopic();
                summary.count(outcome, target);
                if (outcome == ReplayPolicy.Outcome.REPLAY) {
                    if (dryRun) {
                        out.printf("would replay %s -> %s (replay %d of max %d) stage=%s error=%s user=%s request=%s%n", letter.coordinates(), target,
                                letter.view().getReplayCount() + 1, policy.maxReplays(), letter.view().getStage(),
                                letter.view().getErrorClass(), letter.view().getUserId(), letter.view().getRequestId());
                    } else {
                        batch.add(letter);
                        if (batch.size() >= BATCH) {
                            sender.send(batch);
                            batch.clear();
                        }
                    }
                } else {
                    out.printf("%s %s: %s (original topic %s, replayed %d times)%n", dryRun ? "would skip" : "skipped",
                            letter.coordinates(), outcome.label(), target, letter.view().getReplayCount());
                }
            });
            if (sender != null && !batch.isEmpty()) {
                sender.send(batch);
            }
        }
        summary.finish(Duration.ofNanos(System.nanoTime() - start));
        return summary;
    }

    /** All letters of {@code letters} (tests and small callers). */
    public ReplaySummary replay(List<Letter> letters, ReplayPolicy policy, boolean dryRun, double ratePerSecond,
                                PrintWriter out, PrintWriter err) {
        return replay(letters::forEach, policy, dryRun, ratePerSecond, out, err);
    }

    /** One transactional producer for the whole replay, opened on the first batch. */
    private final class Sender implements AutoCloseable {
        private final long intervalNanos;
        private final Progress progress;
        private final long t0 = System.nanoTime();
        private KafkaProducer<byte[], byte[]> producer;
        private int sent;

        Sender(double ratePerSecond, PrintWriter err) {
            this.intervalNanos = ratePerSecond > 0 ? (long) (1e9 / ratePerSecond) : 0;
            this.progress = new Progress(err, -1);
        }

        void send(List<Letter> letters) {
            if (producer == null) {
                producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
                producer.initTransactions();
            }
            producer.beginTransaction();
            try {
                for (Letter letter : letters) {
                    if (intervalNanos > 0) {
                        long wait = t0 + sent * intervalNanos - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    String target = letter.view().getOriginalTopic();
                    producer.send(new ProducerRecord<>(target, null, letter.record().key(), letter.record().value(),
                            ReplayHeaders.forReplay(letter)));
                    producer.send(ledger.entry(letter, target, clock.instant()));
                    progress.update(++sent);
                }
                producer.commitTransaction();
            } catch (KafkaException e) {
                safeAbort(producer);
                sent -= letters.size();
                throw new ReplayException("replay stopped after " + Math.max(0, sent) + " letters; the failed batch was rolled back, "
                        + "run the same replay again to continue: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (sent > 0) {
                progress.finish(sent);
            }
            progress.done();
            if (producer != null) {
                producer.close();
            }
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
