package dev.sluice.generation.ledger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads ledger partitions from the beginning to their last stable offset with a {@code read_committed} consumer
 * of its own (assigned, no group). Everything a previous owner committed is below that offset: its ledger records
 * were committed in the same transaction as the consumed offsets, so a transaction still open when we read is one
 * whose offsets are not committed either, and its records will be consumed (and decided) again.
 */
public final class LedgerLoader implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Duration timeout;

    /** {@code consumer} must be {@code read_committed} and have no group; it is closed with this loader. */
    public LedgerLoader(Consumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        this.consumer = consumer;
        this.topic = topic;
        this.timeout = timeout;
    }

    /** Every answered request of each partition; fails with {@link LedgerUnavailableException}, never half-loaded. */
    public Map<Integer, LedgerIndex> load(Collection<Integer> partitions) {
        List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p)).toList();
        Map<Integer, LedgerIndex> loaded = new HashMap<>();
        partitions.forEach(p -> loaded.put(p, new LedgerIndex()));
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
            Set<TopicPartition> remaining = new HashSet<>(tps);
            remaining.removeIf(tp -> consumer.position(tp, timeout) >= end.get(tp));
            while (!remaining.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new LedgerUnavailableException(topic, partitions, "not read to its end within " + timeout.toMillis() + " ms");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (r.key() != null) {
                        loaded.get(r.partition()).add(RequestHash.of(r.key()));
                    }
                }
                remaining.removeIf(tp -> consumer.position(tp, timeout) >= end.get(tp));
            }
            return loaded;
        } catch (KafkaException e) {
            throw new LedgerUnavailableException(topic, partitions, e.getClass().getSimpleName());
        } finally {
            try {
                consumer.unsubscribe();
            } catch (KafkaException ignored) {
                // the next load assigns afresh
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
