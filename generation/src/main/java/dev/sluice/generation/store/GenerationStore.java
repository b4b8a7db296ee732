package dev.sluice.generation.store;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

import dev.sluice.schema.GenerationResult;

/**
 * The generation stage's memory outside Kafka (Redis in production):
 * <ul>
 *   <li>{@code gen:done:<requestKey>}: a result computed but maybe not yet committed, written <em>before</em>
 *       the transaction, so a crash and restart re-emits it without paying the provider again;</li>
 *   <li>{@code gen:cache:<sha256>}: the response cache.</li>
 * </ul>
 * A request is known by its {@link #requestKey} (user and requestId), never by its requestId alone: another user
 * sending the same requestId must neither be skipped nor receive this user's stored result.
 * Failures never fail processing: lookups answer {@link Lookup#EMPTY} and writes are best effort, with
 * {@link #healthy()} reporting the outage.
 */
public interface GenerationStore extends AutoCloseable {
    /**
     * The identity of a request in the store: {@code <length of userId>:<userId>:<requestId>} (the length makes the
     * concatenation unambiguous whatever either part contains).
     */
    static String requestKey(String userId, String requestId) {
        return userId.length() + ":" + userId + ":" + requestId;
    }

    /** The {@link #requestKey} of a result. */
    static String requestKey(GenerationResult result) {
        return requestKey(result.getUserId(), result.getRequestId());
    }

    /** Looks up the done entry and (when {@code cacheKey} is not null) the cache. */
    CompletableFuture<Lookup> lookup(String requestKey, String cacheKey);

    /** The cached answer under {@code cacheKey} (the semantic cache's second step); empty on a miss or an outage. */
    CompletableFuture<java.util.Optional<GenerationResult>> cached(String cacheKey);

    /** Remembers a computed result until its transaction commits; completes when stored (or failed). */
    CompletableFuture<Void> saveDone(GenerationResult result, Duration ttl);

    /** Caches an answer under {@code cacheKey}; fire and forget. */
    void cachePut(String cacheKey, GenerationResult result, Duration ttl);

    /**
     * After a commit: drops the requests' done entries; fire and forget. Whether a request was answered is the
     * ledger's to say (llm.generation.ledger), never the store's.
     */
    void forgetDone(Collection<String> requestKeys);

    /** False while the backend cannot be reached. */
    boolean healthy();

    @Override
    void close();
}
