package dev.sluice.common.loop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's uncommitted records, in offset order. Completions arrive out of order (any thread
 * may {@link Slot#complete}); the consumed offset may only advance over the contiguous completed prefix, because
 * committing offset N says every record before N is done. A record's outputs are published with that prefix, or
 * earlier when the handler allows it for its outcome ({@link RecordHandler#publishAhead}): then the record stays
 * here, marked published, until the prefix reaches it.
 *
 * @param <O> what the stage decided for one record
 */
public final class PartitionProgress<O> {
    private final TopicPartition partition;
    private final ArrayDeque<Slot<O>> slots = new ArrayDeque<>();

    public PartitionProgress(TopicPartition partition) {
        this.partition = partition;
    }

    /** A polled record and, once decided, its outcome. */
    public static final class Slot<O> {
        private final ConsumerRecord<byte[], byte[]> record;
        private volatile O outcome;
        private Object attachment;
        private boolean dispatched;
        private boolean published;

        Slot(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
        }

        public ConsumerRecord<byte[], byte[]> record() {
            return record;
        }

        public O outcome() {
            return outcome;
        }

        /** What the stage keeps with the record until it commits (loop thread only); null if nothing. */
        public Object attachment() {
            return attachment;
        }

        public void attach(Object value) {
            this.attachment = value;
        }

        boolean dispatched() {
            return dispatched;
        }

        void markDispatched() {
            this.dispatched = true;
        }

        /** Its outputs are in a committed transaction (loop thread only). */
        void markPublished() {
            this.published = true;
        }

        /** Thread-safe; the loop thread sees it at its next commit. */
        public void complete(O decided) {
            this.outcome = decided;
        }
    }

    public TopicPartition partition() {
        return partition;
    }

    /** Registers a polled record (loop thread only, in offset order). */
    public Slot<O> register(ConsumerRecord<byte[], byte[]> record) {
        Slot<O> slot = new Slot<>(record);
        slots.addLast(slot);
        return slot;
    }

    /**
     * What the next transaction takes from this partition (loop thread only).
     *
     * @param publish    slots whose outputs it publishes: the unpublished ones of the prefix, then those completed
     *                   beyond it that {@code ahead} accepts
     * @param prefix     the length of the contiguous completed prefix (removed once the transaction committed)
     * @param nextOffset the offset it commits: after the prefix, or, with an empty prefix, the first uncommitted
     *                   record's own offset again, so that a transaction publishing ahead still carries the consumer
     *                   group's fencing check (a zombie owner's transaction is refused)
     */
    record Batch<O>(List<Slot<O>> publish, int prefix, long nextOffset) {
        /** Records this transaction publishes or commits the offset of, each counted once. */
        int records() {
            int ahead = 0;
            for (Slot<O> s : publish) {
                if (s.record.offset() >= nextOffset) {
                    ahead++;
                }
            }
            return prefix + ahead;
        }
    }

    /** The next transaction's share of this partition, or null if it has nothing to publish or commit. */
    Batch<O> next(Predicate<O> ahead) {
        List<Slot<O>> publish = new ArrayList<>();
        int prefix = 0;
        long nextOffset = -1;
        boolean contiguous = true;
        for (Slot<O> s : slots) {
            O outcome = s.outcome;
            if (outcome == null) {
                contiguous = false;
            } else if (contiguous) {
                prefix++;
                nextOffset = s.record.offset() + 1;
                if (!s.published) {
                    publish.add(s);
                }
            } else if (!s.published && ahead.test(outcome)) {
                publish.add(s);
            }
        }
        if (prefix == 0 && publish.isEmpty()) {
            return null;
        }
        return new Batch<>(publish, prefix, prefix == 0 ? slots.peekFirst().record.offset() : nextOffset);
    }

    /** Forgets the first {@code n} slots after their transaction committed. */
    public void removePrefix(int n) {
        Iterator<Slot<O>> it = slots.iterator();
        for (int i = 0; i < n && it.hasNext(); i++) {
            it.next();
            it.remove();
        }
    }

    /** Forgets the slots of records at or after {@code offset} (they will be read again). */
    void truncateFrom(long offset) {
        slots.removeIf(s -> s.record.offset() >= offset);
    }

    /** Records handed to an executor and not decided yet: what a hand-over must wait for. */
    public int inFlight() {
        int n = 0;
        for (Slot<O> s : slots) {
            if (s.dispatched && s.outcome == null) {
                n++;
            }
        }
        return n;
    }

    /** The offset of the first record polled and not yet committed: what the group has committed for this partition. */
    long firstPendingOffset() {
        return slots.peekFirst().record.offset();
    }

    /** Records polled and not yet committed. */
    public int pending() {
        return slots.size();
    }

    /**
     * At least {@code limit} records pending (so the partition is paused) and the first of them decided: only a commit
     * lets this partition go on, and one would free at least that record.
     */
    boolean waitsForCommit(int limit) {
        return slots.size() >= limit && slots.peekFirst().outcome != null;
    }
}
