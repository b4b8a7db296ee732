package dev.sluice.generation.store;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.sluice.schema.GenerationResult;

/**
 * A process-local store, used by unit tests and, loudly, when no Redis is configured: then a crash forgets
 * completed-but-uncommitted calls and they are paid again on restart. Bounded: each of its three maps holds at
 * most {@code maxEntries} entries (least recently used evicted first) and every entry expires after the TTL it
 * was written with, as in Redis. Losing an entry early is safe: the Kafka ledger, not this store, decides whether
 * a request was answered.
 */
public final class InMemoryGenerationStore implements GenerationStore {
    /** Default bound per map. */
    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    private record Entry<V>(V value, Duration ttl) {}

    private final Cache<String, Entry<GenerationResult>> done;
    private final Cache<String, Entry<GenerationResult>> cache;

    public InMemoryGenerationStore() {
        this(DEFAULT_MAX_ENTRIES);
    }

    public InMemoryGenerationStore(int maxEntries) {
        this.done = bounded(maxEntries);
        this.cache = bounded(maxEntries);
    }

    private static <V> Cache<String, Entry<V>> bounded(int maxEntries) {
        return Caffeine.newBuilder().maximumSize(maxEntries).expireAfter(new Expiry<String, Entry<V>>() {
            @Override
            public long expireAfterCreate(String key, Entry<V> entry, long now) {
                return entry.ttl().toNanos();
            }

            @Override
            public long expireAfterUpdate(String key, Entry<V> entry, long now, long current) {
                return entry.ttl().toNanos();
            }

            @Override
            public long expireAfterRead(String key, Entry<V> entry, long now, long current) {
                return current;
            }
        }).build();
    }

    @Override
    public CompletableFuture<Lookup> lookup(String requestKey, String cacheKey) {
        return CompletableFuture.completedFuture(new Lookup(
                Optional.ofNullable(done.getIfPresent(requestKey)).map(Entry::value),
                cacheKey == null ? Optional.empty() : Optional.ofNullable(cache.getIfPresent(cacheKey)).map(Entry::value)));
    }

    @Override
    public CompletableFuture<Optional<GenerationResult>> cached(String cacheKey) {
        return CompletableFuture.completedFuture(Optional.ofNullable(cache.getIfPresent(cacheKey)).map(Entry::value));
    }

    @Override
    public CompletableFuture<Void> saveDone(GenerationResult result, Duration ttl) {
        done.put(GenerationStore.requestKey(result), new Entry<>(result, ttl));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void cachePut(String cacheKey, GenerationResult result, Duration ttl) {
        cache.put(cacheKey, new Entry<>(result, ttl));
    }

    @Override
    public void forgetDone(Collection<String> requestKeys) {
        done.invalidateAll(requestKeys);
    }

    /** Done entries currently held, by request key (tests). */
    public Map<String, GenerationResult> doneEntries() {
        Map<String, GenerationResult> out = new java.util.HashMap<>();
        done.asMap().forEach((k, e) -> out.put(k, e.value()));
        return Map.copyOf(out);
    }

    /** Entries held in both maps (tests, to see the bound). */
    public long size() {
        done.cleanUp();
        cache.cleanUp();
        return done.estimatedSize() + cache.estimatedSize();
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public void close() {}
}
