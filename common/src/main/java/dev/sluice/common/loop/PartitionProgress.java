package dev.sluice.common.loop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's uncommitted records, in offset order. Completions arrive out of order (any thread
 * may {@link Slot#complete}); only the contiguous completed prefix may be committed, because committing offset
 * N says every record before N is done.
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

    /** The longest run of completed slots from the oldest uncommitted record. */
    public List<Slot<O>> completedPrefix() {
        List<Slot<O>> prefix = new ArrayList<>();
        for (Slot<O> s : slots) {
            if (s.outcome == null) {
                break;
            }
            prefix.add(s);
        }
        return prefix;
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

    /** Records polled and not yet committed. */
    public int pending() {
        return slots.size();
    }
}
