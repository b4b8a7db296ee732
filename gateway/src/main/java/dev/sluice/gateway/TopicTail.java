package dev.sluice.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.sluice.common.ConsumerThread;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads every partition of some topics (or some given partitions) on one thread, with no consumer group (manual
 * assignment): used where an instance must see the whole of what it tails (API keys, batch metadata) or exactly
 * the partitions it names (a batch's reply partition, a moved reply partition read on). Starts where
 * {@code startOffsets} says, reads {@code read_committed} (so an aborted transaction's result never answers a
 * client), and reports {@link #caughtUp()} once it has read up to the end offsets seen at start.
 */
public final class TopicTail extends ConsumerThread {
    /** How long a topic created a moment ago may take to appear in metadata. */
    static final Duration METADATA_WAIT = Duration.ofSeconds(15);

    private final Consumer<ConsumerRecord<byte[], byte[]>> handler;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final AtomicLong read = new AtomicLong();
    private final Map<TopicPartition, Long> end;

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
        super(name, readCommittedWithoutGroup(kafka, name));
        this.handler = handler;
        List<TopicPartition> partitions = which.apply(this);
        consumer.assign(partitions);
        startOffsets.apply(consumer).forEach(consumer::seek);
        this.end = consumer.endOffsets(partitions);
    }

    /** Every partition of {@code topics}; waits a while for topics created a moment ago to reach this client's metadata. */
    private List<TopicPartition> partitions(List<String> topics) {
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        while (true) {
            List<TopicPartition> found = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String t : topics) {
                List<PartitionInfo> info = consumer.partitionsFor(t, Duration.ofSeconds(30));
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
        startThread();
        return this;
    }

    @Override
    protected void pollOnce() {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            read.incrementAndGet();
            deliver(record, handler);
        }
        if (caughtUp.getCount() > 0 && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            caughtUp.countDown();
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
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> endNow = consumer.endOffsets(consumer.assignment());
        Map<TopicPartition, Long> start = new HashMap<>();
        consumer.assignment().forEach(tp -> start.put(tp, found.get(tp) == null ? endNow.get(tp) : found.get(tp).offset()));
        return start;
    }

    /** Records read so far. */
    public long recordsRead() {
        return read.get();
    }
}
