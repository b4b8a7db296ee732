package dev.sluice.enrichment.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class LettuceEmbeddingCacheIT extends EmbeddingCacheContract {
    private RedisServer redis;
    private LettuceEmbeddingCache cache;

    @BeforeEach
    void setUp(RedisServer redis) {
        this.redis = redis;
        redis.start();
        this.cache = new LettuceEmbeddingCache(redis.uri(), Duration.ofMillis(500));
    }

    @AfterEach
    void tearDown() {
        redis.start();
        cache.close();
    }

    @Override
    protected EmbeddingCache cache() {
        return cache;
    }

    @Override
    protected void passTime(Duration d) {
        // real Redis expires on its own clock; the contract awaits it
    }

    @Test
    void shouldFailFastWhileRedisIsDownAndReconnectWhenItIsBack() {
        String k = "emb:lettuce-reconnect-" + System.nanoTime();
        cache.putAll(Map.of(k, new byte[] {1, 2, 3, 4}), Duration.ofMinutes(1));
        redis.stop();
        assertThatThrownBy(() -> cache.getAll(List.of(k))).isInstanceOf(CacheUnavailableException.class)
                .hasMessageNotContaining(k);
        assertThatThrownBy(cache::ping).isInstanceOf(CacheUnavailableException.class).hasMessageContaining("PING");
        redis.start();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(cache::ping);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> cache.getAll(List.of(k)).size() == 1);
        assertThat(cache.getAll(List.of(k)).get(0)).as("restarted Redis is empty").isNull();
    }
}
