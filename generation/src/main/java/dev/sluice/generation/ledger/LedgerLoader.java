package dev.sluice.generation.ledger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads ledger partitions from the beginning to their last stable offset with a {@code read_committed} consumer
 * of its own (assigned, no group). Everything a previous owner committed is below that offset: its ledger records
 * were committed in the same transaction as the consumed offsets, so a transaction still open when we read is one
 * whose offsets are not committed either, and its records will be consumed (and decided) again.
 *
 * <p>A ledger holds every request answered within its retention (40 days): at 100 requests/s, ~350,000,000 records.
 * So it is read a slice at a time ({@link #load}): the loop that calls it goes on polling, committing and heartbeating
 * between slices, and what a slice read is kept for the next. A partition is returned once it is read to the last
 * stable offset taken when its load began. Until 2026-12-07 the whole ledger was read in one call that gave up after
 * {@code generation.ledger.load.timeout.ms} (60 s) and started again from the beginning a second later: a ledger that
 * took longer to read was never loaded, and its partitions never answered again.
 */
public final class LedgerLoader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerLoader.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Duration timeout;
    private final Map<TopicPartition, Load> loads = new HashMap<>();
    private long lastProgressNanos;

    /** One partition's load under way: what it has read, and where it ends. */
    private static final class Load {
        final LedgerIndex index = new LedgerIndex();
        final long end;
        final long startedNanos = System.nanoTime();
        long records;
        /** The next offset to read; -1 for the partition's beginning. */
        long position = -1;

        Load(long end) {
            this.end = end;
        }
    }

    /**
     * @param consumer must be {@code read_committed} and have no group; it is closed with this loader
     * @param timeout  how long a blocking call to the broker may take, and how long a load may read nothing before
     *                 the ledger is reported unavailable
     */
    public LedgerLoader(Consumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        this.consumer = consumer;
        this.topic = topic;
        this.timeout = timeout;
    }

    /**
     * Reads the ledgers of {@code partitions} for about {@code slice} (at least one poll), going on from where the last
     * call stopped; returns the partitions now read to their end, with every answered request in them. A partition not
     * asked for any more is forgotten.
     *
     * @throws LedgerUnavailableException when the broker fails a call (the loads start again), or when nothing was
     *                                    read for the timeout (what was read is kept); never half-loaded
     */
    public Map<Integer, LedgerIndex> load(Collection<Integer> partitions, Duration slice) {
        long sliceEnd = System.nanoTime() + slice.toNanos();
        Set<TopicPartition> wanted = partitions.stream().map(p -> new TopicPartition(topic, p)).collect(Collectors.toSet());
        Map<Integer, LedgerIndex> done = new HashMap<>();
        try {
            loads.keySet().retainAll(wanted);
            List<TopicPartition> fresh = wanted.stream().filter(tp -> !loads.containsKey(tp)).toList();
            if (!fresh.isEmpty()) {
                Map<TopicPartition, Long> ends = consumer.endOffsets(fresh, timeout);
                fresh.forEach(tp -> loads.put(tp, new Load(ends.get(tp))));
                lastProgressNanos = System.nanoTime();
            }
            if (!fresh.isEmpty() || !consumer.assignment().equals(loads.keySet())) {
                assignLoads(); // a fresh load reads from the beginning, even of a partition still assigned from before
            }
            while (true) {
                if (advance(done) && !loads.isEmpty()) {
                    assignLoads(); // no more fetches for a partition read to its end
                }
                if (loads.isEmpty() || System.nanoTime() >= sliceEnd) {
                    break;
                }
                long left = Math.max(1, (sliceEnd - System.nanoTime()) / 1_000_000);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(Math.min(POLL.toMillis(), left)))) {
                    Load load = loads.get(new TopicPartition(r.topic(), r.partition()));
                    if (r.key() != null && load != null) {
                        load.index.add(RequestHash.of(r.key()));
                        load.records++;
                    }
                }
            }
        } catch (KafkaException e) {
            loads.clear();
            assignLoads();
            throw new LedgerUnavailableException(topic, partitions, e.getClass().getSimpleName() + " (reading it again from the beginning)");
        }
        if (done.isEmpty() && !loads.isEmpty() && System.nanoTime() - lastProgressNanos > timeout.toNanos()) {
            throw new LedgerUnavailableException(topic, loads.keySet().stream().map(TopicPartition::partition).sorted().toList(),
                    "nothing read for " + timeout.toMillis() + " ms");
        }
        return done;
    }

    /** Forgets the loads of {@code partitions} (revoked), with what they read. */
    public void forget(Collection<Integer> partitions) {
        loads.keySet().removeIf(tp -> partitions.contains(tp.partition()));
    }

    /**
     * Notes each load's position (a move is progress) and moves the loads read to their end into {@code done}; whether
     * any finished.
     */
    private boolean advance(Map<Integer, LedgerIndex> done) {
        boolean finished = false;
        var it = loads.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            Load load = e.getValue();
            long position = consumer.position(e.getKey(), timeout);
            if (position != load.position) {
                load.position = position;
                lastProgressNanos = System.nanoTime();
            }
            if (position >= load.end) {
                done.put(e.getKey().partition(), load.index);
                it.remove();
                log.info("ledger partition {} read: {} answered requests in {} records, {} ms", e.getKey().partition(),
                        load.index.size(), load.records, (System.nanoTime() - load.startedNanos) / 1_000_000);
                finished = true;
            }
        }
        return finished;
    }

    /** Assigns the consumer exactly the partitions still loading, each at the offset its load reached. */
    private void assignLoads() {
        try {
            consumer.assign(loads.keySet());
            loads.forEach((tp, load) -> {
                if (load.position < 0) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, load.position);
                }
            });
        } catch (KafkaException ignored) {
            // the next load assigns afresh
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
