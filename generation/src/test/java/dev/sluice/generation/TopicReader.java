package dev.sluice.generation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a topic with read_committed in the background, counting records per id. */
public final class TopicReader implements AutoCloseable {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    // Not a CopyOnWriteArrayList: copying the whole list per record allocated O(n²) (256 MB for the benchmark's 8,000
    // results), and the GC pauses it caused in the shared JVM showed up in the generation overhead p99.
    private final List<ConsumerRecord<byte[], byte[]>> records = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running = true;

    public TopicReader(String bootstrap, String topic, Function<ConsumerRecord<byte[], byte[]>, String> idOf) {
        thread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
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
                }
            }
        }, "reader-" + topic);
        thread.setDaemon(true);
        thread.start();
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
