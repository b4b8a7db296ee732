package dev.sluice.generation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;

/**
 * Reads a topic in the background, counting records per id: with read_committed (what consumers of the topic see), or
 * with read_uncommitted (every copy written, aborted transactions' included).
 */
public final class TopicReader implements AutoCloseable {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    // Not a CopyOnWriteArrayList: copying the whole list per record allocated O(n²) (256 MB for the benchmark's 8,000
    // results), and the GC pauses it caused in the shared JVM showed up in the generation overhead p99.
    private final List<ConsumerRecord<byte[], byte[]>> records = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The reader's position per partition after its latest poll. */
    private final Map<Integer, Long> positions = new ConcurrentHashMap<>();
    private final String bootstrap;
    private final String topic;
    private final Thread thread;
    private volatile boolean running = true;
    /** What this reader sees: everything committed, or every copy written. */
    private final IsolationLevel isolation;

    public TopicReader(String bootstrap, String topic, Function<ConsumerRecord<byte[], byte[]>, String> idOf) {
        this(bootstrap, topic, idOf, true);
    }

    public TopicReader(String bootstrap, String topic, Function<ConsumerRecord<byte[], byte[]>, String> idOf, boolean committedOnly) {
        this.bootstrap = bootstrap;
        this.isolation = committedOnly ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
        this.topic = topic;
        thread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<org.apache.kafka.common.TopicPartition> parts = new ArrayList<>();
                consumer.partitionsFor(topic).forEach(p -> parts.add(new org.apache.kafka.common.TopicPartition(topic, p.partition())));
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        records.add(r);
                        counts.computeIfAbsent(idOf.apply(r), k -> new AtomicInteger()).incrementAndGet();
                    }
                    parts.forEach(tp -> positions.put(tp.partition(), consumer.position(tp)));
                }
            }
        }, "reader-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Waits until this reader has read everything committed to its topic so far: its position at or past each
     * partition's last stable offset (read_committed), or its end (read_uncommitted: every copy written). Called once the writers are gone, it sees every
     * record they committed (a late duplicate included) without sleeping for a guessed while.
     */
    public void awaitEverythingCommitted(Duration limit) throws ExecutionException, InterruptedException {
        Map<Integer, Long> ends;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .stream().collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            ends = admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all().get().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        }
        Awaitility.await("reader of " + topic + " at the ends " + isolation + " sees: " + ends)
                .atMost(limit).pollInterval(Duration.ofMillis(50))
                .until(() -> ends.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue()));
    }

    public int total() {
        return records.size();
    }

    public int distinct() {
        return counts.size();
    }

    public Map<String, Integer> duplicates() {
        Map<String, Integer> dup = new java.util.TreeMap<>();
        counts.forEach((k, v) -> { if (v.get() > 1) dup.put(k, v.get()); });
        return dup;
    }

    /** The ids read so far. */
    public java.util.Set<String> ids() {
        return java.util.Set.copyOf(counts.keySet());
    }

    public int count(String id) {
        AtomicInteger n = counts.get(id);
        return n == null ? 0 : n.get();
    }

    public List<ConsumerRecord<byte[], byte[]>> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
