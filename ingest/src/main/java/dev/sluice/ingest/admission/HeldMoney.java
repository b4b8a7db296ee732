package dev.sluice.ingest.admission;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's money held: the sum of its users' reservations not yet charged or released, and how many users hold
 * some. Counted from the user-state store when the task starts and at every sweep (the sweep reads every user's state
 * anyway), and moved by every reservation, charge and release in between; read by the gauges of
 * {@link AdmissionMetrics} from another thread. With it, when that money was reserved ({@link HeldAges}).
 */
final class HeldMoney {
    private final AtomicLong micros = new AtomicLong();
    private final AtomicLong users = new AtomicLong();
    private final HeldAges ages = new HeldAges();

    /** Counts it afresh from every user's state: what the task holds now. */
    void recount(KeyValueStore<String, byte[]> userStates) {
        long m = 0;
        long u = 0;
        try (KeyValueIterator<String, byte[]> it = userStates.all()) {
            while (it.hasNext()) {
                long reserved = UserState.decode(it.next().value).reservedMicros;
                m += reserved;
                u += reserved != 0 ? 1 : 0;
            }
        }
        set(m, u);
    }

    void set(long heldMicros, long heldUsers) {
        micros.setRelease(heldMicros);
        users.setRelease(heldUsers);
    }

    /**
     * A user's reservations went from {@code before} to {@code after} micro-dollars. Only the task's stream thread
     * writes, so a plain read and a release write do (no atomic read-modify-write on the admission path).
     */
    void changed(long before, long after) {
        micros.setRelease(micros.getPlain() + after - before);
        if (before == 0 && after != 0) {
            users.setRelease(users.getPlain() + 1);
        } else if (before != 0 && after == 0) {
            users.setRelease(users.getPlain() - 1);
        }
    }

    /** When the held reservations were admitted: the age of the oldest. */
    HeldAges ages() {
        return ages;
    }

    long micros() {
        return micros.getAcquire();
    }

    long users() {
        return users.getAcquire();
    }
}
