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

    /** Stores every entry with time to live {@code ttl}; one round trip (pipelined SET ... PX). */
    void putAll(Map<String, byte[]> entries, Duration ttl);

    /** One round trip that touches no key (PING): how a degraded stage learns that Redis is back without traffic. */
    void ping();

    /** Remaining time to live of {@code key} in milliseconds, -2 if absent, -1 if it never expires (PTTL). */
    long ttlMillis(String key);

    @Override
    void close();
}
