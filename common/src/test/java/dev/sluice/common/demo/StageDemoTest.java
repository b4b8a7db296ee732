package dev.sluice.common.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import dev.sluice.common.SluiceConfig;
import org.junit.jupiter.api.Test;

class StageDemoTest {
    @Test
    void shouldUseTheConfiguredPort() {
        assertThat(StageDemo.freePort(SluiceConfig.of(Map.of("gateway.port", "18080")), "gateway.port", 8080)).isEqualTo(18080);
    }

    @Test
    void shouldPickAFreePortWhenTheKeyIsUnsetOrZero() {
        assertThat(StageDemo.freePort(SluiceConfig.of(Map.of()), "gateway.port", 8080)).isPositive();
        assertThat(StageDemo.freePort(SluiceConfig.of(Map.of("gateway.port", "0")), "gateway.port", 8080)).isPositive();
    }

    @Test
    void shouldNameTheKeyWhenTheConfiguredPortIsNotANumber() {
        assertThatThrownBy(() -> StageDemo.freePort(SluiceConfig.of(Map.of("gateway.port", "eighty")), "gateway.port", 8080))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gateway.port must be a port number (0-65535), got 'eighty'");
    }
}
