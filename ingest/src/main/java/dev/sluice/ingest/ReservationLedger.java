package dev.sluice.ingest;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.ingest.AdmissionMetrics.Settlement;
import dev.sluice.ingest.Reservation.Status;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The admitted-requests store, one entry per admitted request keyed {@code userId|requestId}: dedupe (an entry
 * admitted within the horizon is a duplicate) and the reservation's life (reserve on admission, settle on a cost
 * event, expire after the TTL, charge a late cost within the grace). One store write per admission serves both.
 * An entry is deleted once it serves neither; that clean-up runs lazily per user (on a request or the sweep,
 * at most every {@code horizon / 8}), so deletion may lag but no decision depends on it: every check compares
 * times itself. All times are record times.
 */
final class ReservationLedger {
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, byte[]> requests;
    private final KeyValueStore<String, byte[]> users;
    private final long ttlMs;
    private final long graceMs;
    private final long horizonMs;
    private final long cleanupSlackMs;
    private final AdmissionMetrics metrics;

    ReservationLedger(KeyValueStore<String, byte[]> requests, KeyValueStore<String, byte[]> users,
                      IngestConfig config, AdmissionMetrics metrics) {
        this.requests = requests;
        this.users = users;
        this.ttlMs = config.reservationTtl().toMillis();
        this.graceMs = config.lateCostGrace().toMillis();
        this.horizonMs = config.dedupeHorizon().toMillis();
        this.cleanupSlackMs = horizonMs / 8;
        this.metrics = metrics;
    }

    /** The entry of {@code userId}'s {@code requestId}, if it is still kept. */
    Reservation find(String userId, String requestId) {
        byte[] raw = requests.get(Reservation.key(userId, requestId));
        return raw == null ? null : Reservation.decode(raw);
    }

    /** Whether {@code entry} (from {@link #find}) was admitted within the horizon of {@code at}, before or after. */
    boolean isDuplicate(Reservation entry, long at) {
        return entry != null && Math.abs(at - entry.admittedAt()) < horizonMs;
    }

    /**
     * Remembers an admitted request and reserves its worst case, at user time {@code now} (record time {@code at});
     * {@code previous} is the request's entry from {@link #find}, if any.
     */
    void reserve(String userId, String requestId, Reservation previous, long amountMicros, long now, long at, UserState state) {
        String key = Reservation.key(userId, requestId);
        if (previous != null && previous.status() == Status.OUTSTANDING) {
            // The same id again after the horizon while its first reservation is still held (TTL >= horizon).
            state.reservedMicros -= previous.amountMicros();
            metrics.expired();
        }
        requests.put(key, new Reservation(Status.OUTSTANDING, amountMicros, now, at).encode());
        state.reservedMicros += amountMicros;
        state.nextExpiryAt = earliest(state.nextExpiryAt, now + ttlMs);
        state.nextCleanupAt = earliest(state.nextCleanupAt, Math.max(at + horizonMs, now + cleanupSlackMs));
    }

    /** Applies a cost event of {@code actualMicros}, with record time {@code at}, to {@code state}. */
    Settlement settle(String userId, String requestId, long actualMicros, long at, UserState state) {
        String key = Reservation.key(userId, requestId);
        byte[] raw = requests.get(key);
        if (raw == null) {
            return Settlement.UNMATCHED;
        }
        Reservation r = Reservation.decode(raw);
        if (r.status() == Status.SETTLED || r.status() == Status.EXPIRED && pastGrace(r, at)) {
            return Settlement.UNMATCHED;
        }
        long charged = Math.min(Math.max(0, actualMicros), r.amountMicros());
        if (r.status() == Status.OUTSTANDING) {
            state.reservedMicros -= r.amountMicros();
        }
        state.spentMicros += charged;
        requests.put(key, r.with(Status.SETTLED).encode()); // kept for dedupe until the horizon has passed
        return r.status() == Status.EXPIRED ? Settlement.LATE : Settlement.RECONCILED;
    }

    /**
     * Releases {@code userId}'s reservations due at {@code now} and deletes entries that serve nothing any more,
     * if either is due. Returns whether {@code state} changed.
     */
    boolean maintain(String userId, UserState state, long now) {
        boolean expiryDue = state.nextExpiryAt != 0 && state.nextExpiryAt <= now;
        boolean cleanupDue = state.nextCleanupAt != 0 && state.nextCleanupAt <= now;
        if (!expiryDue && !cleanupDue) {
            return false;
        }
        long nextExpiry = 0;
        long nextCleanup = 0;
        List<KeyValue<String, byte[]>> updates = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = requests.prefixScan(Reservation.prefix(userId), KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                Reservation r = Reservation.decode(kv.value);
                boolean expires = r.status() == Status.OUTSTANDING && r.reservedAt() + ttlMs <= now;
                if (expires) {
                    state.reservedMicros -= r.amountMicros();
                    metrics.expired();
                    r = r.with(Status.EXPIRED);
                }
                long forgetAt = forgetAt(r);
                if (forgetAt <= now) {
                    updates.add(KeyValue.pair(kv.key, null));
                    continue;
                }
                if (expires) {
                    updates.add(KeyValue.pair(kv.key, r.encode()));
                }
                if (r.status() == Status.OUTSTANDING) {
                    nextExpiry = earliest(nextExpiry, r.reservedAt() + ttlMs);
                }
                nextCleanup = earliest(nextCleanup, forgetAt);
            }
        }
        updates.forEach(kv -> {
            if (kv.value == null) {
                requests.delete(kv.key);
            } else {
                requests.put(kv.key, kv.value);
            }
        });
        state.nextExpiryAt = nextExpiry;
        // Clean up at most every cleanupSlack per user, so a steadily active user does not rescan per request.
        state.nextCleanupAt = nextCleanup == 0 ? 0 : Math.max(nextCleanup, now + cleanupSlackMs);
        return true;
    }

    /**
     * The stream-time sweep over this task's users: releases reservations past their TTL (so a user who never
     * sends again still gets the money back in {@code usage}) and cleans up their old entries.
     */
    void sweep(long streamTime) {
        List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = users.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                UserState state = UserState.decode(kv.value);
                if (state.nextExpiryAt != 0 && state.nextExpiryAt <= streamTime
                        || state.nextCleanupAt != 0 && state.nextCleanupAt <= streamTime) {
                    due.add(kv.key);
                }
            }
        }
        for (String userId : due) {
            UserState state = UserState.decode(users.get(userId));
            if (maintain(userId, state, streamTime)) {
                users.put(userId, state.encode());
            }
        }
    }

    // An expired entry still charges a late cost until the grace ends; every entry is a dedupe witness for the horizon.
    private long forgetAt(Reservation r) {
        return switch (r.status()) {
            case OUTSTANDING, EXPIRED -> Math.max(r.reservedAt() + ttlMs + graceMs, r.admittedAt() + horizonMs);
            case SETTLED -> r.admittedAt() + horizonMs;
        };
    }

    private boolean pastGrace(Reservation r, long now) {
        return r.reservedAt() + ttlMs + graceMs <= now;
    }

    private static long earliest(long current, long candidate) {
        return current == 0 ? candidate : Math.min(current, candidate);
    }
}
