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

    @Test
    void shouldFailALookupAnsweredAfterItsTimeoutAndGiveTheNextLookupItsOwnValues() {
        String a = "emb:lettuce-late-a-" + System.nanoTime();
        String b = "emb:lettuce-late-b-" + System.nanoTime();
        cache.putAll(Map.of(a, new byte[] {1, 1, 1, 1}, b, new byte[] {2, 2, 2, 2}), Duration.ofMinutes(1));
        io.lettuce.core.RedisClient admin = io.lettuce.core.RedisClient.create(redis.uri());
        try (var connection = admin.connect()) {
            connection.sync().clientPause(1_500); // Redis holds every other client's commands for 1.5 s
            EmbeddingCache.Pending first = cache.getAllLater(List.of(a));
            EmbeddingCache.Pending second = cache.getAllLater(List.of(b));

            assertThatThrownBy(first::await).as("no answer within the 500 ms timeout").isInstanceOf(CacheUnavailableException.class)
                    .hasMessageNotContaining(a);
            second.cancel();

            // once Redis answers the two late MGETs, the same connection must pair each later lookup with its own reply
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                List<byte[]> values = cache.getAll(List.of(b, a));
                assertThat(values.get(0)).containsExactly(2, 2, 2, 2);
                assertThat(values.get(1)).containsExactly(1, 1, 1, 1);
            });
            for (int i = 0; i < 20; i++) {
                assertThat(cache.getAll(List.of(a)).get(0)).containsExactly(1, 1, 1, 1);
            }
        } finally {
            admin.shutdown();
        }
    }
}
