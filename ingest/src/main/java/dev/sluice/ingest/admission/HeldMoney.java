package dev.sluice.ingest.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.streams.KeyValue;
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

    /**
     * Counts it afresh from every user's state (what the task holds now), and has {@link #ages()} read the entries of
     * the users holding some when the task starts.
     */
    void recount(KeyValueStore<String, byte[]> userStates) {
        long m = 0;
        List<String> holding = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = userStates.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> user = it.next();
                long reserved = UserState.decode(user.value).reservedMicros;
                m += reserved;
                if (reserved != 0) {
                    holding.add(user.key);
                }
            }
        }
        set(m, holding.size());
        ages.restart(holding);
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
