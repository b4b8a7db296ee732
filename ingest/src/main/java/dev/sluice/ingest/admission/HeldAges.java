package dev.sluice.ingest.admission;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

import dev.sluice.ingest.admission.Reservation.Status;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * When one task's held reservations were admitted, to the minute: how many outstanding entries of the admitted-requests
 * store that hold money each minute of broker time has, so the oldest is known without reading the store. Moved by every
 * reservation, and by every charge or release that ends one ({@link ReservationLedger}).
 *
 * <p>When the task starts, the entries of the users whose state holds money ({@link #restart}) are read in steps
 * ({@link #read}) while requests go on being decided: not the whole store, which keeps a day of settled entries. The
 * oldest is unknown until that read is complete. A change to an entry of a user the read will not visit (none of its
 * money was held at the start) or has passed is counted here; one to an entry it has not reached yet is left to the
 * read, which will see the entry as it is then. The users are read in the store's key order ({@code userId|} prefixes
 * sorted: a user id has no {@code |}, so one user's keys never fall between another's), and keys are ASCII, so
 * {@link String#compareTo} tells what the read has passed.
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
    /** Users whose money was held when the task started, and the key prefixes of those not read yet, in key order. */
    private Set<String> heldAtStart = Set.of();
    private final ArrayDeque<String> toRead = new ArrayDeque<>();
    /** The last key read, or just past the last user read; null before the first step. */
    private String readTo;
    private boolean complete;
    private volatile long oldest = UNKNOWN;

    /** {@code userId}'s entry {@code key} reserved {@code amountMicros} at broker time {@code admittedAt}. */
    void reserved(String userId, String key, long admittedAt, long amountMicros) {
        if (amountMicros > 0 && counted(userId, key)) {
            add(admittedAt, 1);
        }
    }

    /** {@code userId}'s held entry {@code key}, admitted at {@code admittedAt} for {@code amountMicros}, was charged or released. */
    void ended(String userId, String key, long admittedAt, long amountMicros) {
        if (amountMicros > 0 && counted(userId, key)) {
            add(admittedAt, -1);
        }
    }

    /**
     * Forgets everything counted, to read the entries of {@code heldUsers} (the users whose state holds money) afresh: when
     * the task starts, its store is what was committed (restored, or kept from a clean close), whatever was counted here.
     */
    void restart(Collection<String> heldUsers) {
        byMinute.clear();
        lastMinute = Long.MIN_VALUE;
        lastCount = null;
        firstMinute = Long.MAX_VALUE;
        heldAtStart = new HashSet<>(heldUsers);
        toRead.clear();
        heldUsers.stream().map(Reservation::prefix).sorted().forEach(toRead::add);
        readTo = null;
        complete = toRead.isEmpty();
        publish();
    }

    /** Where the next {@link #read} starts in the store (that key itself is skipped if read); null once all is read. */
    String nextFrom() {
        String prefix = toRead.peek();
        return prefix == null ? null : readTo != null && readTo.startsWith(prefix) ? readTo : prefix;
    }

    /**
     * Reads at most {@code budget} entries of the user being read from {@code entries}, the store from {@link #nextFrom()}
     * on, and moves to the next user when this one's keys end; returns the entries read.
     */
    int read(KeyValueIterator<String, byte[]> entries, int budget) {
        String prefix = toRead.element();
        int visited = 0;
        while (visited < budget) {
            KeyValue<String, byte[]> kv = entries.hasNext() ? entries.next() : null;
            if (kv == null || !kv.key.startsWith(prefix)) {
                toRead.remove();
                // Just past this user's keys ('}' follows '|') and before the next user's prefix, which sorts after it
                readTo = prefix.substring(0, prefix.length() - 1) + '}';
                complete = toRead.isEmpty();
                if (complete) {
                    heldAtStart = Set.of(); // every change counts from now on
                }
                break;
            }
            if (kv.key.equals(readTo)) {
                continue; // read by the previous step
            }
            visited++;
            readTo = kv.key;
            if (!Reservation.holdsNothing(kv.value)) {
                Reservation r = Reservation.decode(kv.value);
                if (r.status() == Status.OUTSTANDING && r.amountMicros() > 0) {
                    add(r.admittedAt(), 1);
                }
            }
        }
        publish();
        return visited;
    }

    /** Broker time (epoch millis, to the minute) of the oldest held reservation; {@link #NONE} or {@link #UNKNOWN}. */
    long oldestAdmittedAt() {
        return oldest;
    }

    private boolean counted(String userId, String key) {
        return complete || !heldAtStart.contains(userId) || (readTo != null && key.compareTo(readTo) <= 0);
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
