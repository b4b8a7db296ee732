package dev.sluice.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.ingest.AdmissionMetrics.Settlement;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Reservations and their life: reserve on admission, settle on a cost event (actual cost, capped at the
 * reservation, moves from reserved to spent), expire after the TTL (released from reserved), forget an
 * expired one after the grace period. All times are record times.
 */
final class ReservationLedger {
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, byte[]> reservations;
    private final KeyValueStore<String, byte[]> users;
    private final long ttlMs;
    private final long graceMs;
    private final AdmissionMetrics metrics;

    ReservationLedger(KeyValueStore<String, byte[]> reservations, KeyValueStore<String, byte[]> users,
                      IngestConfig config, AdmissionMetrics metrics) {
        this.reservations = reservations;
        this.users = users;
        this.ttlMs = config.reservationTtl().toMillis();
        this.graceMs = config.lateCostGrace().toMillis();
        this.metrics = metrics;
    }

    void reserve(String userId, String requestId, long amountMicros, long at, UserState state) {
        reservations.put(Reservation.key(userId, requestId), new Reservation(amountMicros, at, false).encode());
        state.reservedMicros += amountMicros;
        long expiry = at + ttlMs;
        state.nextExpiryAt = state.nextExpiryAt == 0 ? expiry : Math.min(state.nextExpiryAt, expiry);
    }

    /** Applies a cost event of {@code actualMicros}, with record time {@code at}, to {@code state}. */
    Settlement settle(String userId, String requestId, long actualMicros, long at, UserState state) {
        String key = Reservation.key(userId, requestId);
        byte[] raw = reservations.get(key);
        if (raw == null) {
            return Settlement.UNMATCHED;
        }
        Reservation r = Reservation.decode(raw);
        if (r.expired() && pastGrace(r, at)) {
            reservations.delete(key);
            return Settlement.UNMATCHED;
        }
        long charged = Math.min(Math.max(0, actualMicros), r.amountMicros());
        if (!r.expired()) {
            state.reservedMicros -= r.amountMicros();
        }
        state.spentMicros += charged;
        reservations.delete(key);
        return r.expired() ? Settlement.LATE : Settlement.RECONCILED;
    }

    private boolean pastGrace(Reservation r, long now) {
        return r.reservedAt() + ttlMs + graceMs <= now;
    }

    /** Releases {@code userId}'s reservations due at {@code now}, if any is. Returns whether state changed. */
    boolean expireDue(String userId, UserState state, long now) {
        if (state.nextExpiryAt == 0 || state.nextExpiryAt > now) {
            return false;
        }
        long next = 0;
        List<KeyValue<String, byte[]>> updates = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = reservations.prefixScan(Reservation.prefix(userId), KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                Reservation r = Reservation.decode(kv.value);
                if (r.expired()) {
                    continue;
                }
                long expiry = r.reservedAt() + ttlMs;
                if (expiry <= now) {
                    state.reservedMicros -= r.amountMicros();
                    updates.add(KeyValue.pair(kv.key, r.expire().encode()));
                } else {
                    next = next == 0 ? expiry : Math.min(next, expiry);
                }
            }
        }
        updates.forEach(kv -> reservations.put(kv.key, kv.value));
        updates.forEach(kv -> metrics.expired());
        state.nextExpiryAt = next;
        return true;
    }

    /**
     * The stream-time sweep over this task's reservations: releases every reservation past its TTL (so a user
     * who never sends again still gets the money back in {@code usage}) and forgets expired ones past grace.
     */
    void sweep(long streamTime) {
        Map<String, UserState> touched = new HashMap<>();
        List<KeyValue<String, byte[]>> updates = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = reservations.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                Reservation r = Reservation.decode(kv.value);
                if (r.reservedAt() + ttlMs > streamTime) {
                    continue;
                }
                if (!r.expired()) {
                    UserState state = touched.computeIfAbsent(Reservation.userOf(kv.key), u -> UserState.decode(users.get(u)));
                    state.reservedMicros -= r.amountMicros();
                    metrics.expired();
                }
                boolean forget = pastGrace(r, streamTime);
                updates.add(KeyValue.pair(kv.key, forget ? null : r.expire().encode()));
            }
        }
        updates.forEach(kv -> {
            if (kv.value == null) {
                reservations.delete(kv.key);
            } else {
                reservations.put(kv.key, kv.value);
            }
        });
        touched.forEach((user, state) -> users.put(user, state.encode()));
    }
}
