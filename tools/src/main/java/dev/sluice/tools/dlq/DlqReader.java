package dev.sluice.tools.dlq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.sluice.common.loop.LoopClients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a whole topic once, from the beginning up to the end offsets taken at start, with a fresh consumer that
 * joins no group and commits nothing ({@code read_committed}, so letters of aborted transactions are not seen).
 * Letters written while it reads are left for the next run.
 */
public final class DlqReader {
    /** Gives up if no record arrives for this long while records are still expected. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
    private final Map<String, Object> clientProps;

    public DlqReader(Map<String, Object> kafkaClientProps) {
        Map<String, Object> base = new HashMap<>(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024)); // defaults the deployment may override
        base.putAll(kafkaClientProps);
        this.clientProps = LoopClients.committedReader(base, Map.of());
    }

    /** Every letter of {@code topic} matching {@code filter}, in partition then offset order (held in memory: tests). */
    public List<Letter> read(String topic, LetterFilter filter) {
        List<Letter> letters = new ArrayList<>();
        stream(topic, filter, letters::add);
        return letters;
    }

    /**
     * Hands every letter of {@code topic} matching {@code filter} to {@code sink} as it is read, in partition then
     * offset order (one partition at a time), without holding them: memory stays at one fetch whatever the topic
     * holds.
     */
    public void stream(String topic, LetterFilter filter, Consumer<Letter> sink) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(clientProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (TopicPartition partition : partitions(consumer, topic, false)) {
                scan(consumer, List.of(partition), topic, record -> {
                    Letter letter = Letter.of(record);
                    if (filter.matches(letter)) {
                        sink.accept(letter);
                    }
                });
            }
        }
    }

    /** Hands every record of {@code topic} up to the end offsets at start to {@code sink}. */
    public void scan(String topic, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        scan(topic, false, sink);
    }

    /** As {@link #scan(String, Consumer)}; a missing topic reads as empty when {@code missingIsEmpty}. */
    public void scan(String topic, boolean missingIsEmpty, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(clientProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitions(consumer, topic, missingIsEmpty);
            if (!partitions.isEmpty()) {
                scan(consumer, partitions, topic, sink);
            }
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic, boolean missingIsEmpty) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
        if (partitions.isEmpty() && !missingIsEmpty) {
            throw new IllegalStateException("topic " + topic + " does not exist; create the topics first (sluice topics create)");
        }
        return partitions;
    }

    private static void scan(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, String topic,
                             Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
        long lastProgress = System.nanoTime();
        while (!caughtUp(consumer, end)) {
            var records = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                    sink.accept(record);
                }
            }
            if (!records.isEmpty()) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                throw new IllegalStateException("no progress reading " + topic + " for " + STALL_TIMEOUT.toSeconds() + " s; end offsets " + end);
            }
        }
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
