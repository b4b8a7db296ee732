package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class RedisServerIT {

    @Test
    void shouldLetAClientReconnectAfterTheServerIsStoppedAndRestarted(RedisServer redis) {
        RedisClient client = RedisClient.create(redis.uri());
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setTimeout(Duration.ofSeconds(1));
            RedisCommands<String, String> commands = connection.sync();
            commands.set("before", "1");
            assertThat(commands.get("before")).isEqualTo("1");

            redis.stop();
            assertThat(redis.isRunning()).isFalse();
            assertThatThrownBy(() -> commands.get("before")).isInstanceOf(RedisException.class);

            redis.start();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                commands.set("after", "2");
                assertThat(commands.get("after")).isEqualTo("2");
            });
            assertThat(commands.get("before")).as("an outage loses the data: persistence is off").isNull();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void shouldServeOnLoopbackWithTheAdvertisedUri(RedisServer redis) {
        assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().ping()).isEqualTo("PONG");
        } finally {
            client.shutdown();
        }
    }
}
