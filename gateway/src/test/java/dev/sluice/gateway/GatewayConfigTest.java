package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {
    @Test
    void shouldDefaultToTheDefaultConstants() {
        GatewayConfig c = GatewayConfig.from(SluiceConfig.of(Map.of("topic.prefix", "t1.")));
        assertThat(c.port()).isEqualTo(GatewayConfig.DEFAULT_PORT);
        assertThat(c.maxWait().toMillis()).isEqualTo(GatewayConfig.DEFAULT_MAX_WAIT_MS);
        assertThat(c.outcomeLookback().toMillis()).isEqualTo(GatewayConfig.DEFAULT_OUTCOME_LOOKBACK_MS);
        assertThat(c.recentOutcomes()).isEqualTo(GatewayConfig.DEFAULT_RECENT_OUTCOMES);
        assertThat(c.defaultMaxOutputTokens()).isEqualTo(GatewayConfig.DEFAULT_DEFAULT_MAX_OUTPUT_TOKENS);
        assertThat(c.maxBodyBytes()).isEqualTo(GatewayConfig.DEFAULT_MAX_BODY_BYTES);
        assertThat(c.httpThreads()).isEqualTo(GatewayConfig.DEFAULT_HTTP_THREADS);
        assertThat(c.maxOpenWaits()).isEqualTo(GatewayConfig.DEFAULT_MAX_OPEN_WAITS);
        assertThat(c.replyPartitions()).isEqualTo(GatewayConfig.DEFAULT_REPLY_PARTITIONS);
        assertThat(c.groupId()).isEqualTo("t1." + GatewayConfig.DEFAULT_GROUP_ID);
        assertThat(c.instanceId()).startsWith("gw-");
    }

    @Test
    void shouldNameKeyAndValueWhenADurationIsNegative() {
        assertThatThrownBy(() -> GatewayConfig.from(SluiceConfig.of(Map.of("gateway.max.wait.ms", "-100"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.max.wait.ms").hasMessageContaining("'-100'")
                .hasMessageContaining("[100,...,3600000]");
    }

    @Test
    void shouldNameKeyAndValueWhenAPortIsNotANumber() {
        assertThatThrownBy(() -> GatewayConfig.from(SluiceConfig.of(Map.of("gateway.port", "http"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.port").hasMessageContaining("'http'");
    }
}
