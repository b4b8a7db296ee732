package dev.sluice.enrichment.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The few Redis operations enrichment needs, behind a tiny interface so the lettuce implementation and an in-memory
 * one pass the same contract test. Values are opaque bytes (see {@link VectorCodec}).
 * Implementations throw {@link CacheUnavailableException} when the backend cannot answer in time.
 */
public interface EmbeddingCache extends AutoCloseable {
    /** Values of {@code keys} in the same order, null where absent; one round trip (MGET). */
    List<byte[]> getAll(List<String> keys);

    /**
     * Sends the MGET of {@code keys} now and returns without waiting for its answer, so a caller can prepare the next
     * keys while Redis answers these; lookups sent one after the other are answered in order (pipelined on one
     * connection). Throws {@link CacheUnavailableException} now if it cannot be sent, or from {@link Pending#await()}.
     * The default answers at once (for backends without a round trip to overlap).
     */
    default Pending getAllLater(List<String> keys) {
        return Pending.of(getAll(keys));
    }

    /** A lookup sent and not yet awaited. */
    interface Pending {
        /** The values, in the order of the keys sent, null where absent; waits at most the cache's timeout. */
        List<byte[]> await();

        /** Gives up on the answer (after another part of the same lookup failed). */
        void cancel();

        /** A lookup already answered with {@code values}. */
        static Pending of(List<byte[]> values) {
            return new Pending() {
                @Override
                public List<byte[]> await() {
                    return values;
                }

                @Override
                public void cancel() {
                    // nothing in flight
                }
            };
        }
    }

    /** Stores every entry with time to live {@code ttl}; one round trip (pipelined SET ... PX). */
    void putAll(Map<String, byte[]> entries, Duration ttl);

    /** One round trip that touches no key (PING): how a degraded stage learns that Redis is back without traffic. */
    void ping();

    /** Remaining time to live of {@code key} in milliseconds, -2 if absent, -1 if it never expires (PTTL). */
    long ttlMillis(String key);

    @Override
    void close();
}
