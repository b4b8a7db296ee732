package dev.sluice.ingest.admission;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.admission.AdmissionMetrics.Settlement;
import dev.sluice.ingest.admission.Reservation.Status;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The admitted-requests store, one entry per admitted request keyed {@code userId|requestId}: dedupe and the
 * reservation's life. Reserve on admission; end it only with the request's terminal outcome: a CHARGED cost event
 * (charged in full, whatever was reserved) or a RELEASED event. Nothing ends a reservation by time, so a request
 * that waits in a backlog, behind an open breaker or in the dead-letter topic keeps its money held, and a cost that
 * arrives days later still finds it.
 *
 * <p>Budget invariant: for every user and UTC day, the sum of CHARGED costs counted in that day is at most the
 * daily budget whenever every cost is at most its reservation (the reservation is a true worst case): admission
 * needs {@code spent + reserved + worstCase <= budget}, and each charge only moves money from reserved to spent.
 * A charge above its reservation (a wrong price table) or without one breaks the premise; it is charged all the
 * same and reported as {@link Charge#overspentMicros()}.
 *
 * <p>Settled and released entries are kept for the dedupe horizon after their last change, then deleted by a lazy
 * per-user clean-up (on a request or the sweep, at most every {@code horizon / 8}); every check compares times
 * itself, so no decision depends on when that runs. All times are broker times.
 */
final class ReservationLedger {
    private final KeyValueStore<String, byte[]> requests;
    private final KeyValueStore<String, byte[]> users;
    private final KeyValueStore<String, byte[]> windows;
    private final long horizonMs;
    private final long cleanupSlackMs;
    private final HeldMoney held;

    /**
     * Most entries one request's clean-up step visits (~0.5 µs each in RocksDB, measured): a user with millions of
     * entries (hundreds of requests/s over a day's horizon) is cleaned up over many requests instead of stalling the
     * stream thread for seconds, past the transaction timeout, in one.
     */
    static final int STEP_ENTRIES = 256;
    /** Most entries one sweep visits over all due users. */
    static final int SWEEP_ENTRIES = 100_000;

    ReservationLedger(KeyValueStore<String, byte[]> requests, KeyValueStore<String, byte[]> users,
                      KeyValueStore<String, byte[]> windows, IngestConfig config, HeldMoney held) {
        this.requests = requests;
        this.held = held;
        this.users = users;
        this.windows = windows;
        this.horizonMs = config.dedupeHorizon().toMillis();
        this.cleanupSlackMs = horizonMs / 8;
    }

    /** What a cost event did, and by how much its charge exceeded the money held for it (0 if it did not). */
    record Charge(Settlement outcome, long heldMicros, long overspentMicros) {
        static final Charge NONE = new Charge(Settlement.DUPLICATE, 0, 0);
    }

    /** The entry of {@code userId}'s {@code requestId}, if it is still kept. */
    Reservation find(String userId, String requestId) {
        byte[] raw = requests.get(Reservation.key(userId, requestId));
        return raw == null ? null : Reservation.decode(raw);
    }

    /**
     * Whether a request with {@code entry} (from {@link #find}) is a duplicate at {@code at}: its reservation is still
     * held (the first one may yet be called, however long ago it was admitted), or it was admitted or last changed
     * within the horizon, before or after.
     */
    boolean isDuplicate(Reservation entry, long at) {
        return entry != null && (entry.status() == Status.OUTSTANDING
                || Math.abs(at - entry.admittedAt()) < horizonMs || Math.abs(at - entry.touchedAt()) < horizonMs);
    }

    /** Remembers an admitted request and reserves its worst case at broker time {@code at}. */
    void reserve(String userId, String requestId, long amountMicros, long at, UserState state) {
        String key = Reservation.key(userId, requestId);
        requests.put(key, new Reservation(Status.OUTSTANDING, amountMicros, at, at).encode());
        held.ages().reserved(userId, key, at, amountMicros);
        held.changed(state.reservedMicros, state.reservedMicros + amountMicros);
        state.reservedMicros += amountMicros;
        state.scheduleCleanup(at + Math.max(horizonMs, cleanupSlackMs));
    }

    /**
     * Charges {@code actualMicros} (negative counts as 0) for {@code userId}'s {@code requestId} at broker time
     * {@code at}: in full, ending its reservation if one is held. A cost for an entry already charged is a duplicate
     * and changes nothing; a cost with no held reservation (none kept, or released) is charged and remembered, so a
     * duplicate of it is not charged again.
     */
    Charge charge(String userId, String requestId, long actualMicros, long at, UserState state) {
        String key = Reservation.key(userId, requestId);
        Reservation r = find(userId, requestId);
        if (r != null && r.status() == Status.SETTLED) {
            return Charge.NONE;
        }
        long cost = Math.max(0, actualMicros);
        long heldMicros = r != null && r.status() == Status.OUTSTANDING ? r.amountMicros() : 0;
        if (r != null && r.status() == Status.OUTSTANDING) {
            held.ages().ended(userId, key, r.admittedAt(), r.amountMicros());
        }
        held.changed(state.reservedMicros, state.reservedMicros - heldMicros);
        state.reservedMicros -= heldMicros;
        state.spentMicros += cost;
        Reservation settled = r != null ? r.with(Status.SETTLED, at) : new Reservation(Status.SETTLED, 0, at, at);
        requests.put(key, settled.encode());
        state.scheduleCleanup(settled.touchedAt() + horizonMs);
        Settlement outcome = r != null && r.status() == Status.OUTSTANDING ? Settlement.RECONCILED : Settlement.UNRESERVED;
        return new Charge(outcome, heldMicros, Math.max(0, cost - heldMicros));
    }

    /** Releases {@code userId}'s reservation for {@code requestId} without a charge, if one is held. */
    Settlement release(String userId, String requestId, long at, UserState state) {
        Reservation r = find(userId, requestId);
        if (r == null || r.status() != Status.OUTSTANDING) {
            return Settlement.IGNORED;
        }
        String key = Reservation.key(userId, requestId);
        held.ages().ended(userId, key, r.admittedAt(), r.amountMicros());
        held.changed(state.reservedMicros, state.reservedMicros - r.amountMicros());
        state.reservedMicros -= r.amountMicros();
        requests.put(key, r.with(Status.RELEASED, at).encode());
        state.scheduleCleanup(Math.max(at, r.admittedAt()) + horizonMs);
        return Settlement.RELEASED;
    }

    /**
     * One step of reading the entries of the users who held money at the task's start into its {@link HeldAges}: at most
     * {@code budget} entries, going on from the last step. Returns whether they have all been read.
     */
    boolean readHeldAges(int budget) {
        HeldAges ages = held.ages();
        int left = budget;
        for (String from = ages.nextFrom(); from != null && left > 0; from = ages.nextFrom()) {
            try (KeyValueIterator<String, byte[]> it = requests.range(from, null)) {
                left -= ages.read(it, left);
            }
        }
        return ages.nextFrom() == null;
    }

    /**
     * Deletes {@code userId}'s entries that serve nothing any more, if a clean-up is due, visiting at most
     * {@link #STEP_ENTRIES} of them; a user with more entries is cleaned up over several steps (the next request's or
     * sweep's), resuming after the last entry visited. Returns whether {@code state} changed.
     */
    boolean maintain(String userId, UserState state, long now) {
        return maintain(userId, state, now, STEP_ENTRIES) >= 0;
    }

    /** One clean-up step of at most {@code budget} entries; the entries visited, or -1 when no clean-up was due. */
    private int maintain(String userId, UserState state, long now, int budget) {
        if (state.nextCleanupAt == 0 || state.nextCleanupAt > now) {
            return -1;
        }
        String prefix = Reservation.prefix(userId);
        String resumeAfter = state.cleanupCursor == null ? null : Reservation.key(userId, state.cleanupCursor);
        long nextCleanup = state.passNextCleanupAt;
        List<String> forget = new ArrayList<>();
        String last = null;
        int visited = 0;
        boolean more = false;
        // From the cursor on (open-ended: a user's keys are contiguous, so the scan stops at the first key of another user)
        try (KeyValueIterator<String, byte[]> it = requests.range(resumeAfter == null ? prefix : resumeAfter, null)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (!kv.key.startsWith(prefix)) {
                    break;
                }
                if (kv.key.equals(resumeAfter)) {
                    continue; // visited by the previous step
                }
                if (visited == budget) {
                    more = true;
                    break;
                }
                visited++;
                last = kv.key;
                Reservation r = Reservation.decode(kv.value);
                if (r.status() == Status.OUTSTANDING) {
                    continue; // held until its outcome arrives; charge or release schedules its clean-up
                }
                long forgetAt = Math.max(r.admittedAt(), r.touchedAt()) + horizonMs;
                if (forgetAt <= now) {
                    forget.add(kv.key);
                } else {
                    nextCleanup = UserState.earliest(nextCleanup, forgetAt);
                }
            }
        }
        forget.forEach(requests::delete);
        state.nextExpiryAt = 0; // written by versions with a reservation TTL; nothing expires any more
        if (more) {
            // Due again at once: the next step resumes after the last entry visited. What charges and releases schedule
            // meanwhile is kept for the pass's end (UserState.scheduleCleanup).
            state.cleanupCursor = last.substring(prefix.length());
            state.passNextCleanupAt = nextCleanup;
            state.nextCleanupAt = now;
        } else {
            state.cleanupCursor = null;
            state.passNextCleanupAt = 0;
            // Clean up at most every cleanupSlack per user, so a steadily active user does not rescan per request.
            state.nextCleanupAt = nextCleanup == 0 ? 0 : Math.max(nextCleanup, now + cleanupSlackMs);
        }
        return visited;
    }

    /**
     * The stream-time (broker time) sweep over this task's users: cleans up idle users' old entries (at most
     * {@link #SWEEP_ENTRIES} visited per sweep; a user whose clean-up did not finish is due again at the next sweep or
     * request), and deletes the state of users that holds nothing ({@link UserState#isBlank}), so the store keeps the
     * users of about the last day and those with money held, not every user ever seen. Counts the money held afresh
     * on the way ({@link HeldMoney}).
     */
    void sweep(long streamTime) {
        List<KeyValue<String, UserState>> due = new ArrayList<>();
        List<KeyValue<String, UserState>> blank = new ArrayList<>();
        long heldMicros = 0;
        long heldUsers = 0;
        try (KeyValueIterator<String, byte[]> it = users.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                UserState state = UserState.decode(kv.value);
                heldMicros += state.reservedMicros;
                heldUsers += state.reservedMicros != 0 ? 1 : 0;
                if (state.nextCleanupAt != 0 && state.nextCleanupAt <= streamTime) {
                    due.add(KeyValue.pair(kv.key, state));
                } else if (state.isBlank(streamTime)) {
                    blank.add(KeyValue.pair(kv.key, state));
                }
            }
        }
        held.set(heldMicros, heldUsers); // the clean-up below deletes entries and blank users, never money held
        for (KeyValue<String, UserState> user : blank) {
            for (long seq = user.value.sealedFrom; seq < user.value.sealedTo; seq++) {
                windows.delete(WindowChunks.key(user.key, seq)); // its whole window has left: the chunks with it
            }
            users.delete(user.key);
        }
        int budget = SWEEP_ENTRIES;
        for (KeyValue<String, UserState> user : due) {
            if (budget <= 0) {
                break; // the rest are still due: the next sweep goes on
            }
            budget -= maintain(user.key, user.value, streamTime, budget); // due, so it runs: visits at most the budget
            users.put(user.key, user.value.encode());
        }
    }
}
