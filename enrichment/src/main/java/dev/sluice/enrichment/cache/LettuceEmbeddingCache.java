package dev.sluice.enrichment.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.RedisCodec;

/**
 * {@link EmbeddingCache} on Redis through lettuce. One connection, commands flushed explicitly so a lookup is one
 * MGET and a write-back is one pipelined burst of {@code SET key value PX ttl}. Every call waits at most
 * {@code timeout}; (re)connecting may take up to {@link #CONNECT_TIMEOUT} (the first connection of a JVM loads netty and
 * runs the RESP handshake, which can exceed a 200 ms budget on a busy host; a refused connection fails at once).
 * Auto-reconnect is off on purpose: a broken connection is dropped and the next call (which the
 * circuit breaker lets through only when half-open) reconnects, so recovery follows the breaker, not lettuce's own
 * backoff, and nothing is queued while Redis is away. Sending is serialised (the stage thread and, while the stage is
 * degraded, the cache's recovery probe use it); a lookup sent with {@link #getAllLater} is awaited outside that lock.
 */
public final class LettuceEmbeddingCache implements EmbeddingCache {
    /** Longest wait for a new connection (TCP connect plus handshake). */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    // keys written in place (KeyBytesCodec), not through a ByteBuffer per key as a composed codec would
    private static final RedisCodec<String, byte[]> CODEC = KeyBytesCodec.INSTANCE;

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration timeout;
    private final String endpoint;
    private StatefulRedisConnection<String, byte[]> connection;

    public LettuceEmbeddingCache(String redisUrl, Duration timeout) {
        this.uri = RedisURI.create(redisUrl);
        Duration connectTimeout = timeout.compareTo(CONNECT_TIMEOUT) > 0 ? timeout : CONNECT_TIMEOUT;
        this.uri.setTimeout(connectTimeout);
        this.timeout = timeout;
        this.endpoint = uri.getHost() + ":" + uri.getPort(); // never the password
        this.client = RedisClient.create();
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
    }

    @Override
    public List<byte[]> getAll(List<String> keys) {
        return getAllLater(keys).await();
    }

    @Override
    public synchronized Pending getAllLater(List<String> keys) {
        if (keys.isEmpty()) {
            return Pending.of(List.of());
        }
        RedisAsyncCommands<String, byte[]> redis = commands("MGET");
        RedisFuture<List<KeyValue<String, byte[]>>> future = redis.mget(keys.toArray(String[]::new));
        connection.flushCommands();
        return new Pending() {
            @Override
            public List<byte[]> await() {
                List<KeyValue<String, byte[]>> values = LettuceEmbeddingCache.this.await("MGET", future);
                List<byte[]> out = new ArrayList<>(values.size());
                for (KeyValue<String, byte[]> kv : values) {
                    out.add(kv.hasValue() ? kv.getValue() : null);
                }
                return out;
            }

            @Override
            public void cancel() {
                future.cancel(true);
            }
        };
    }

    @Override
    public synchronized void putAll(Map<String, byte[]> entries, Duration ttl) {
        if (entries.isEmpty()) {
            return;
        }
        RedisAsyncCommands<String, byte[]> redis = commands("SET");
        List<RedisFuture<String>> futures = new ArrayList<>(entries.size());
        entries.forEach((k, v) -> futures.add(redis.psetex(k, ttl.toMillis(), v)));
        connection.flushCommands();
        try {
            if (!LettuceFutures.awaitAll(timeout.toNanos(), TimeUnit.NANOSECONDS, futures.toArray(RedisFuture[]::new))) {
                throw unavailable("SET", new TimeoutException());
            }
        } catch (RuntimeException e) {
            if (e instanceof CacheUnavailableException c) {
                throw c;
            }
            throw unavailable("SET", e);
        }
    }

    @Override
    public synchronized void ping() {
        RedisAsyncCommands<String, byte[]> redis = commands("PING");
        RedisFuture<String> future = redis.ping();
        connection.flushCommands();
        await("PING", future);
    }

    @Override
    public synchronized long ttlMillis(String key) {
        RedisAsyncCommands<String, byte[]> redis = commands("PTTL");
        RedisFuture<Long> future = redis.pttl(key);
        connection.flushCommands();
        return await("PTTL", future);
    }

    private RedisAsyncCommands<String, byte[]> commands(String operation) {
        if (connection != null && !connection.isOpen()) {
            connection.closeAsync();
            connection = null;
        }
        if (connection == null) {
            try {
                connection = client.connect(CODEC, uri);
            } catch (RuntimeException e) {
                throw unavailable(operation, e);
            }
            connection.setAutoFlushCommands(false);
        }
        return connection.async();
    }

    private <T> T await(String operation, RedisFuture<T> future) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(operation, e);
        } catch (ExecutionException e) {
            throw unavailable(operation, e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw unavailable(operation, e);
        }
    }

    private CacheUnavailableException unavailable(String operation, Throwable cause) {
        return CacheUnavailableException.of(operation, endpoint, cause);
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
