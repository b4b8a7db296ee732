package dev.sluice.generation.store;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.schema.GenerationResult;

/**
 * A process-local store (no TTLs). Used by unit tests and, loudly, when no Redis is configured: then a crash
 * forgets completed-but-uncommitted calls and they are paid again on restart.
 */
public final class InMemoryGenerationStore implements GenerationStore {
    private final Map<String, GenerationResult> done = new ConcurrentHashMap<>();
    private final Map<String, GenerationResult> cache = new ConcurrentHashMap<>();
    private final Map<String, Boolean> committed = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Lookup> lookup(String requestKey, String cacheKey) {
        return CompletableFuture.completedFuture(new Lookup(committed.containsKey(requestKey),
                Optional.ofNullable(done.get(requestKey)),
                cacheKey == null ? Optional.empty() : Optional.ofNullable(cache.get(cacheKey))));
    }

    @Override
    public CompletableFuture<Void> saveDone(GenerationResult result, Duration ttl) {
        done.put(GenerationStore.requestKey(result), result);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void cachePut(String cacheKey, GenerationResult result, Duration ttl) {
        cache.put(cacheKey, result);
    }

    @Override
    public void markCommitted(Collection<String> requestKeys, Duration ttl) {
        for (String id : requestKeys) {
            committed.put(id, Boolean.TRUE);
            done.remove(id);
        }
    }

    /** Done entries currently held, by request key (tests). */
    public Map<String, GenerationResult> doneEntries() {
        return Map.copyOf(done);
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public void close() {}
}
