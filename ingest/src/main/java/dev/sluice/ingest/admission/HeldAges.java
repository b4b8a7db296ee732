package dev.sluice.ingest.admission;

import java.util.TreeMap;

import dev.sluice.ingest.admission.Reservation.Status;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * When one task's held reservations were admitted, to the minute: how many outstanding entries of the admitted-requests
 * store each minute of broker time holds, so the oldest is known without reading the store. Moved by every reservation,
 * and by every charge or release that ends one ({@link ReservationLedger}).
 *
 * <p>When the task starts the store is read in steps ({@link #read}) while requests go on being decided, and the oldest is
 * unknown until the read is complete. A change to an entry the read has not reached yet is left to the read, which will
 * see the entry as it is then; a change to one it has passed is counted here. (Keys are ASCII, a valid userId and
 * requestId, so {@link String#compareTo} orders them as the store does.)
 *
 * <p>The stream thread writes; {@link #oldestAdmittedAt()} is read by a gauge from another thread.
 */
final class HeldAges {
    /** {@link #oldestAdmittedAt()} while the store is still being read. */
    static final long UNKNOWN = -1;
    /** {@link #oldestAdmittedAt()} when no reservation is held. */
    static final long NONE = Long.MAX_VALUE;
    private static final long MINUTE_MS = 60_000;

    /** Outstanding entries by the minute (epoch minute, broker time) they were admitted in; no empty minute is kept. */
    private final TreeMap<Long, long[]> byMinute = new TreeMap<>();
    /** The newest minute's count, where almost every reservation lands: no tree lookup for it. */
    private long lastMinute = Long.MIN_VALUE;
    private long[] lastCount;
    /** The tree's first minute ({@link Long#MAX_VALUE} when empty): the gauge's value changes only when it does. */
    private long firstMinute = Long.MAX_VALUE;
    /** The last key read; null before the first step. */
    private String readTo;
    private boolean complete;
    private volatile long oldest = UNKNOWN;

    /** The entry {@code key} was reserved at broker time {@code admittedAt}. */
    void reserved(String key, long admittedAt) {
        if (counted(key)) {
            add(admittedAt, 1);
        }
    }

    /** The held entry {@code key}, admitted at {@code admittedAt}, was charged or released. */
    void ended(String key, long admittedAt) {
        if (counted(key)) {
            add(admittedAt, -1);
        }
    }

    /**
     * Forgets everything counted, to read the store again from its first key: when the task starts, its store is what was
     * committed (restored, or kept from a clean close), whatever was counted here before.
     */
    void restart() {
        byMinute.clear();
        lastMinute = Long.MIN_VALUE;
        lastCount = null;
        firstMinute = Long.MAX_VALUE;
        readTo = null;
        complete = false;
        publish();
    }

    /** Where the next {@link #read} goes on: after this key (null: from the store's first key). */
    String resumeAfter() {
        return readTo;
    }

    /**
     * Reads at most {@code budget} entries of {@code entries}, the admitted-requests store from {@link #resumeAfter()} on
     * (that key itself, if the iterator starts with it, is skipped); returns whether the whole store has been read.
     */
    boolean read(KeyValueIterator<String, byte[]> entries, int budget) {
        int visited = 0;
        while (visited < budget && entries.hasNext()) {
            KeyValue<String, byte[]> kv = entries.next();
            if (kv.key.equals(readTo)) {
                continue; // read by the previous step
            }
            visited++;
            readTo = kv.key;
            if (!Reservation.holdsNothing(kv.value)) {
                Reservation r = Reservation.decode(kv.value);
                if (r.status() == Status.OUTSTANDING) {
                    add(r.admittedAt(), 1);
                }
            }
        }
        complete = !entries.hasNext();
        publish();
        return complete;
    }

    /** Broker time (epoch millis, to the minute) of the oldest held reservation; {@link #NONE} or {@link #UNKNOWN}. */
    long oldestAdmittedAt() {
        return oldest;
    }

    private boolean counted(String key) {
        return complete || (readTo != null && key.compareTo(readTo) <= 0);
    }

    private void add(long admittedAt, int delta) {
        long minute = Math.floorDiv(admittedAt, MINUTE_MS);
        long[] count = minute == lastMinute ? lastCount : byMinute.computeIfAbsent(minute, m -> new long[1]);
        count[0] += delta;
        if (count[0] <= 0) {
            byMinute.remove(minute);
            lastMinute = Long.MIN_VALUE;
            lastCount = null;
            if (minute == firstMinute) {
                firstMinute = byMinute.isEmpty() ? Long.MAX_VALUE : byMinute.firstKey();
                publish();
            }
        } else {
            lastMinute = minute;
            lastCount = count;
            if (minute < firstMinute) {
                firstMinute = minute;
                publish();
            }
        }
    }

    private void publish() {
        oldest = !complete ? UNKNOWN : firstMinute == Long.MAX_VALUE ? NONE : firstMinute * MINUTE_MS;
    }
}
