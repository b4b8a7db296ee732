package dev.sluice.generation.store;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.sluice.schema.GenerationResult;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GenerationStore} on Redis through one multiplexed lettuce connection. Lookups that arrive together (a wave of
 * requests started at once) share one MGET ({@link LookupBatcher}). Values are Avro single-object
 * encodings of {@link GenerationResult} (schema fingerprint included, so an incompatible old entry reads as a
 * miss). Commands fail fast while disconnected instead of queueing.
 */
public final class RedisGenerationStore implements GenerationStore {
    private static final Logger log = LoggerFactory.getLogger(RedisGenerationStore.class);
    private static final String DONE = "gen:done:";
    private static final String CACHE = "gen:cache:";
    /** Keys per MGET at most when lookups are batched (a wave of 256 requests with the cache on: 512 keys). */
    static final int MAX_KEYS_PER_READ = 512;

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisAsyncCommands<String, byte[]> redis;
    private final Duration timeout;
    private final ExecutorService sender;
    private final LookupBatcher lookups;
    private volatile boolean healthy = true;

    public RedisGenerationStore(String url, Duration timeout) {
        this.timeout = timeout;
        this.client = RedisClient.create(RedisURI.create(url));
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .autoReconnect(true)
                .build());
        this.connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        connection.setTimeout(timeout);
        this.redis = connection.async();
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "generation-store-lookups");
            t.setDaemon(true);
            return t;
        });
        this.lookups = new LookupBatcher(this::mget, sender, MAX_KEYS_PER_READ);
    }

    @Override
    public CompletableFuture<Lookup> lookup(String requestKey, String cacheKey) {
        CompletableFuture<List<byte[]>> values = cacheKey == null
                ? lookups.lookup(DONE + requestKey)
                : lookups.lookup(DONE + requestKey, CACHE + cacheKey);
        return values.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((found, failure) -> {
                    if (failure != null) {
                        unhealthy("lookup", failure);
                        return Lookup.EMPTY;
                    }
                    healthy = true;
                    return new Lookup(decode(found.get(0)), found.size() > 1 ? decode(found.get(1)) : Optional.empty());
                });
    }

    /** One MGET for a batch of lookups: the values in key order, null where a key is absent. */
    private CompletableFuture<List<byte[]>> mget(String[] keys) {
        return redis.mget(keys).toCompletableFuture().thenApply(kvs -> {
            List<byte[]> values = new ArrayList<>(kvs.size());
            for (KeyValue<String, byte[]> kv : kvs) {
                values.add(kv.hasValue() ? kv.getValue() : null);
            }
            return values;
        });
    }

    @Override
    public CompletableFuture<Optional<GenerationResult>> cached(String cacheKey) {
        return redis.mget(CACHE + cacheKey).toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((values, failure) -> {
                    if (failure != null) {
                        unhealthy("semantic cache read", failure);
                        return Optional.<GenerationResult>empty();
                    }
                    healthy = true;
                    return values.isEmpty() || !values.get(0).hasValue() ? Optional.<GenerationResult>empty() : decode(values.get(0).getValue());
                });
    }

    @Override
    public CompletableFuture<Void> saveDone(GenerationResult result, Duration ttl) {
        byte[] bytes = encode(result);
        return redis.set(DONE + GenerationStore.requestKey(result), bytes, SetArgs.Builder.px(ttl.toMillis())).toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ok, failure) -> {
                    if (failure != null) {
                        unhealthy("save of a completed call", failure);
                    }
                    return null;
                });
    }

    @Override
    public void cachePut(String cacheKey, GenerationResult result, Duration ttl) {
        redis.set(CACHE + cacheKey, encode(result), SetArgs.Builder.px(ttl.toMillis()))
                .whenComplete((ok, failure) -> { if (failure != null) unhealthy("cache write", failure); });
    }

    @Override
    public void forgetDone(Collection<String> requestKeys) {
        if (requestKeys.isEmpty()) {
            return;
        }
        redis.unlink(requestKeys.stream().map(id -> DONE + id).toArray(String[]::new))
                .whenComplete((n, failure) -> { if (failure != null) unhealthy("clean-up of committed results", failure); });
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    private void unhealthy(String what, Throwable failure) {
        if (healthy) {
            log.warn("Redis {} failed ({}); continuing without it: completed calls may be paid again after a crash",
                    what, failure.getClass().getSimpleName());
        }
        healthy = false;
    }

    private static Optional<GenerationResult> decode(byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(GenerationResult.fromByteBuffer(ByteBuffer.wrap(value)));
        } catch (Exception e) {
            return Optional.empty(); // written by an incompatible version: treat as absent
        }
    }

    private static byte[] encode(GenerationResult result) {
        try {
            ByteBuffer buffer = result.toByteBuffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not encode a GenerationResult", e);
        }
    }

    @Override
    public void close() {
        sender.shutdown();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
