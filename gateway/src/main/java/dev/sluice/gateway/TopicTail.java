package dev.sluice.gateway;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of some topics (or some given partitions) on one thread, with no consumer group (manual
 * assignment): used where an instance must see the whole of what it tails (API keys, batch metadata) or exactly
 * the partitions it names (a batch's reply partition, a moved reply partition read on). Starts where
 * {@code startOffsets} says, reads {@code read_committed} (so an aborted transaction's result never answers a
 * client), and reports {@link #caughtUp()} once it has read up to the end offsets seen at start.
 */
public final class TopicTail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicTail.class);

    /** How long a topic created a moment ago may take to appear in metadata. */
    static final Duration METADATA_WAIT = Duration.ofSeconds(15);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Consumer<ConsumerRecord<byte[], byte[]>> handler;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Throwable failure;
    private final java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param startOffsets given the assigned partitions, where to start in each (e.g. the beginning, or the
     *                     offsets of a moment ago)
     */
    public TopicTail(String name, Map<String, Object> kafka, List<String> topics,
                     Function<KafkaConsumer<byte[], byte[]>, Map<TopicPartition, Long>> startOffsets,
                     Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        this(name, kafka, t -> t.partitions(topics), startOffsets, handler);
    }

    /** A tail over some partitions only (e.g. one partition of a reply topic, or one user's partition of each topic). */
    public static TopicTail ofPartitions(String name, Map<String, Object> kafka, List<TopicPartition> partitions,
                                         Function<KafkaConsumer<byte[], byte[]>, Map<TopicPartition, Long>> startOffsets,
                                         Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        return new TopicTail(name, kafka, t -> partitions, startOffsets, handler);
    }

    private TopicTail(String name, Map<String, Object> kafka, Function<TopicTail, List<TopicPartition>> which,
                      Function<KafkaConsumer<byte[], byte[]>, Map<TopicPartition, Long>> startOffsets,
                      Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, name);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.handler = handler;
        List<TopicPartition> partitions = which.apply(this);
        consumer.assign(partitions);
        startOffsets.apply(consumer).forEach(consumer::seek);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        this.thread = new Thread(() -> run(end), name);
        this.thread.setDaemon(true);
    }

    /** Every partition of {@code topics}; waits a while for topics created a moment ago to reach this client's metadata. */
    private List<TopicPartition> partitions(List<String> topics) {
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        while (true) {
            List<TopicPartition> found = new java.util.ArrayList<>();
            List<String> missing = new java.util.ArrayList<>();
            for (String t : topics) {
                List<org.apache.kafka.common.PartitionInfo> info = consumer.partitionsFor(t, Duration.ofSeconds(30));
                if (info == null || info.isEmpty()) {
                    missing.add(t);
                } else {
                    info.forEach(p -> found.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            if (missing.isEmpty()) {
                return found;
            }
            if (System.nanoTime() > deadline) {
                consumer.close();
                throw new IllegalStateException("topics " + missing + " do not exist; run `sluice topics create` first");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                consumer.close();
                throw new IllegalStateException("interrupted waiting for topic metadata", e);
            }
        }
    }

    public TopicTail start() {
        thread.start();
        return this;
    }

    private void run(Map<TopicPartition, Long> end) {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    read.incrementAndGet();
                    try {
                        handler.accept(record);
                    } catch (RuntimeException e) {
                        // A record this instance cannot read must not stop it from reading the rest.
                        log.warn("{}: skipped {}-{}@{}: {}", thread.getName(), record.topic(), record.partition(), record.offset(),
                                e.getClass().getSimpleName());
                    }
                }
                if (caughtUp.getCount() > 0 && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            log.error("{} stopped: {}", thread.getName(), e.toString());
        } finally {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /** True once everything that existed at start has been read. */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** Waits up to {@code timeout} for {@link #caughtUp()}. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Per partition, the first offset at or after {@code fromMs}, or the end if there is none. */
    public static Map<TopicPartition, Long> offsetsAt(KafkaConsumer<byte[], byte[]> consumer, long fromMs) {
        Map<TopicPartition, Long> query = new HashMap<>();
        consumer.assignment().forEach(tp -> query.put(tp, Math.max(0, fromMs)));
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        Map<TopicPartition, Long> start = new HashMap<>();
        consumer.assignment().forEach(tp -> start.put(tp, found.get(tp) == null ? end.get(tp) : found.get(tp).offset()));
        return start;
    }

    /** Records read so far. */
    public long recordsRead() {
        return read.get();
    }

    /** True while the reading thread runs. */
    public boolean alive() {
        return thread.isAlive() && failure == null;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
