package dev.sluice.reliability;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Tails the outcome topics (results, rejected, dlq; read_committed) and counts records, so a scenario can wait
 * until the pipeline has answered everything and gone quiet before the checker reads the topics in full. It decides
 * nothing: a count that never reaches the target is reported as lost by the checker, not here.
 */
final class OutcomeCounter implements AutoCloseable {
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong lastChangeNanos = new AtomicLong(System.nanoTime());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    OutcomeCounter(Pipeline pipeline) {
        this(pipeline, List.of(pipeline.catalog.results().name(), pipeline.catalog.rejected().name(), pipeline.catalog.dlq().name()));
    }

    /** Counts the records of {@code topics} instead (e.g. admission's decisions: admitted + rejected). */
    OutcomeCounter(Pipeline pipeline, List<String> topics) {
        Map<String, Object> props = new HashMap<>(pipeline.kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        thread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = topics.stream().flatMap(t -> c.partitionsFor(t, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(t, p.partition()))).toList();
                c.assign(partitions);
                c.seekToBeginning(partitions);
                while (running.get()) {
                    int n = c.poll(Duration.ofMillis(200)).count();
                    if (n > 0) {
                        count.addAndGet(n);
                        lastChangeNanos.set(System.nanoTime());
                    }
                }
            }
        }, "outcome-counter");
        thread.setDaemon(true);
        thread.start();
    }

    long count() {
        return count.get();
    }

    /**
     * Waits until at least {@code expected} outcome records exist and none arrived for {@code quiet}, or until
     * {@code atMost}. Returns whether the target was reached.
     */
    boolean awaitSettled(long expected, Duration quiet, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        long lastReport = 0;
        while (System.nanoTime() < deadline) {
            boolean reached = count.get() >= expected;
            if (reached && System.nanoTime() - lastChangeNanos.get() >= quiet.toNanos()) {
                return true;
            }
            if (System.nanoTime() - lastReport > 10_000_000_000L) {
                System.out.printf("  … %,d of %,d outcomes%n", count.get(), expected);
                lastReport = System.nanoTime();
            }
            Thread.sleep(250);
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }
}
