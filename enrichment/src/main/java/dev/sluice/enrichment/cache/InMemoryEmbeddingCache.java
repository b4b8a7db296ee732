package dev.sluice.enrichment.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link EmbeddingCache} in a map, with expiry read from an injected clock: for unit tests and for running
 * without Redis. Can be switched "down" to simulate an outage.
 */
public final class InMemoryEmbeddingCache implements EmbeddingCache {
    private record Entry(byte[] value, long expiresAtMillis) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile boolean down;
    private int roundTrips;

    public InMemoryEmbeddingCache(Clock clock) {
        this.clock = clock;
    }

    /** While down, every call throws {@link CacheUnavailableException}, as an unreachable Redis would. */
    public void setDown(boolean down) {
        this.down = down;
    }

    /** Calls made (each is one round trip for the real backend). */
    public synchronized int roundTrips() {
        return roundTrips;
    }

    @Override
    public synchronized List<byte[]> getAll(List<String> keys) {
        check("MGET");
        long now = clock.millis();
        List<byte[]> out = new ArrayList<>(keys.size());
        for (String key : keys) {
            Entry e = entries.get(key);
            out.add(e == null || e.expiresAtMillis <= now ? null : e.value.clone());
        }
        return out;
    }

    @Override
    public synchronized void putAll(Map<String, byte[]> toStore, Duration ttl) {
        check("SET");
        long expiresAt = clock.millis() + ttl.toMillis();
        toStore.forEach((k, v) -> entries.put(k, new Entry(v.clone(), expiresAt)));
    }

    @Override
    public synchronized void ping() {
        check("PING");
    }

    @Override
    public synchronized long ttlMillis(String key) {
        check("PTTL");
        Entry e = entries.get(key);
        long left = e == null ? -2 : e.expiresAtMillis - clock.millis();
        return left <= 0 ? -2 : left;
    }

    private void check(String operation) {
        roundTrips++;
        if (down) {
            throw CacheUnavailableException.of(operation, "in-memory", null);
        }
    }

    @Override
    public void close() {
        entries.clear();
    }
}
