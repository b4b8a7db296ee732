package dev.sluice.generation.store;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * {@link GenerationStore} on Redis through one multiplexed lettuce connection. Values are Avro single-object
 * encodings of {@link GenerationResult} (schema fingerprint included, so an incompatible old entry reads as a
 * miss). Commands fail fast while disconnected instead of queueing.
 */
public final class RedisGenerationStore implements GenerationStore {
    private static final Logger log = LoggerFactory.getLogger(RedisGenerationStore.class);
    private static final String DONE = "gen:done:";
    private static final String CACHE = "gen:cache:";

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisAsyncCommands<String, byte[]> redis;
    private final Duration timeout;
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
    }

    @Override
    public CompletableFuture<Lookup> lookup(String requestKey, String cacheKey) {
        String[] keys = cacheKey == null
                ? new String[] {DONE + requestKey}
                : new String[] {DONE + requestKey, CACHE + cacheKey};
        return redis.mget(keys).toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((values, failure) -> {
                    if (failure != null) {
                        unhealthy("lookup", failure);
                        return Lookup.EMPTY;
                    }
                    healthy = true;
                    return new Lookup(decode(values, 0), values.size() > 1 ? decode(values, 1) : Optional.empty());
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
                    return decode(values, 0);
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

    private static boolean present(List<KeyValue<String, byte[]>> values, int i) {
        return values.size() > i && values.get(i).hasValue();
    }

    private static Optional<GenerationResult> decode(List<KeyValue<String, byte[]>> values, int i) {
        if (!present(values, i)) {
            return Optional.empty();
        }
        try {
            return Optional.of(GenerationResult.fromByteBuffer(ByteBuffer.wrap(values.get(i).getValue())));
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
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
