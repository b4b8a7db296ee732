package dev.sluice.enrichment.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The shared cache when {@code redis.url} is unset: every call fails as an unreachable Redis would, so the stage runs
 * on its bounded in-process cache and reports itself degraded, exactly as with Redis down, without dialling anything.
 */
public final class AbsentCache implements EmbeddingCache {
    private static final String ENDPOINT = "(none: redis.url is unset)";

    @Override
    public List<byte[]> getAll(List<String> keys) {
        throw CacheUnavailableException.of("GET", ENDPOINT, null);
    }

    @Override
    public void putAll(Map<String, byte[]> entries, Duration ttl) {
        throw CacheUnavailableException.of("SET", ENDPOINT, null);
    }

    @Override
    public void ping() {
        throw CacheUnavailableException.of("PING", ENDPOINT, null);
    }

    @Override
    public long ttlMillis(String key) {
        throw CacheUnavailableException.of("PTTL", ENDPOINT, null);
    }

    @Override
    public void close() {
        // nothing to release
    }
}
