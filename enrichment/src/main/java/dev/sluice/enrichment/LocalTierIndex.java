package dev.sluice.enrichment;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Keys the local tier is known to hold, so that a Redis hit need not look in the local tier to learn whether its
 * vector must be copied there. That look was ~27 % of the warm path's CPU samples: a Caffeine lookup of a key String
 * costs several cache misses (table, node, key, key bytes) where this costs one.
 *
 * <p>A direct-mapped table of 64-bit key fingerprints. An entry is set only after the local tier was seen to hold the
 * key (or was given it) and is cleared when the local tier evicts the key, so "known" means "held"; "not known"
 * (never seen, evicted, or pushed out of its slot by another key) only means "look". Fingerprints are the key's
 * String hash and its last eight characters: for the hex SHA-256 keys of {@link CacheKeys} two keys share one by
 * chance about once in 2^60.
 */
final class LocalTierIndex {
    private static final int MAX_SLOTS = 1 << 22;
    private final AtomicLongArray fingerprints;
    private final int mask;

    /** Sized for a local tier of {@code localEntries}: two to four times as many slots, so few keys push others out. */
    LocalTierIndex(int localEntries) {
        int slots = Integer.highestOneBit(Math.max(8, Math.min(MAX_SLOTS, localEntries)) - 1) << 2;
        this.fingerprints = new AtomicLongArray(slots);
        this.mask = slots - 1;
    }

    boolean known(String key) {
        long fingerprint = fingerprint(key);
        return fingerprints.get(slot(fingerprint)) == fingerprint;
    }

    void add(String key) {
        long fingerprint = fingerprint(key);
        fingerprints.set(slot(fingerprint), fingerprint);
    }

    /** Forgets {@code key} (the local tier no longer holds it); a slot another key has taken is left alone. */
    void remove(String key) {
        long fingerprint = fingerprint(key);
        fingerprints.compareAndSet(slot(fingerprint), fingerprint, 0);
    }

    private int slot(long fingerprint) {
        return (int) (fingerprint ^ (fingerprint >>> 32)) & mask;
    }

    static long fingerprint(String key) {
        long tail = 0;
        for (int i = Math.max(0, key.length() - Long.BYTES); i < key.length(); i++) {
            tail = (tail << 8) | (key.charAt(i) & 0xFF);
        }
        long fingerprint = ((long) key.hashCode() << 32) ^ tail;
        return fingerprint == 0 ? 1 : fingerprint; // 0 marks an empty slot
    }
}
