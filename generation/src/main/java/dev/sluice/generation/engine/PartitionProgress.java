package dev.sluice.generation.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import dev.sluice.generation.ledger.RequestHash;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's uncommitted records, in offset order. Completions arrive out of order (any thread
 * may {@link Slot#complete}); only the contiguous completed prefix may be committed, because committing offset
 * N says every record before N is done.
 */
public final class PartitionProgress {
    private final TopicPartition partition;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();

    public PartitionProgress(TopicPartition partition) {
        this.partition = partition;
    }

    /** A polled record and, once decided, its outcome. */
    public static final class Slot {
        private final ConsumerRecord<byte[], byte[]> record;
        private volatile Outcome outcome;
        private RequestHash request;
        private boolean dispatched;

        Slot(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
        }

        public ConsumerRecord<byte[], byte[]> record() {
            return record;
        }

        public Outcome outcome() {
            return outcome;
        }

        /** The request's ledger identity when the ledger admitted it (loop thread only). */
        public RequestHash request() {
            return request;
        }

        public void request(RequestHash admitted) {
            this.request = admitted;
        }

        /** Marks the slot handed to the processor (loop thread only). */
        public void dispatched() {
            this.dispatched = true;
        }

        /** Thread-safe; the loop thread sees it at its next commit. */
        public void complete(Outcome decided) {
            this.outcome = decided;
        }
    }

    public TopicPartition partition() {
        return partition;
    }

    /** Registers a polled record (loop thread only, in offset order). */
    public Slot register(ConsumerRecord<byte[], byte[]> record) {
        Slot slot = new Slot(record);
        slots.addLast(slot);
        return slot;
    }

    /** The longest run of completed slots from the oldest uncommitted record. */
    public List<Slot> completedPrefix() {
        List<Slot> prefix = new ArrayList<>();
        for (Slot s : slots) {
            if (s.outcome == null) {
                break;
            }
            prefix.add(s);
        }
        return prefix;
    }

    /** Forgets the first {@code n} slots after their transaction committed. */
    public void removePrefix(int n) {
        Iterator<Slot> it = slots.iterator();
        for (int i = 0; i < n && it.hasNext(); i++) {
            it.next();
            it.remove();
        }
    }

    /** Calls handed to the processor and not decided yet: what a hand-over must wait for. */
    public int inFlight() {
        int n = 0;
        for (Slot s : slots) {
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
