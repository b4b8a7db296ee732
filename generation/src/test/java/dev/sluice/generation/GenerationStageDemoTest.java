package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.demo.DemoContext;
import dev.sluice.generation.fallback.FallbackChains;
import org.junit.jupiter.api.Test;

class GenerationStageDemoTest {
    private static final DemoContext CONTEXT = new DemoContext(Path.of("/tmp/demo-switches"), "http://127.0.0.1:1/metrics", "gpt-4o-mini");
    private final GenerationStageDemo demo = new GenerationStageDemo();

    @Test
    void shouldAddTheOutageSwitchAShortBreakerAndABackupEndpointWhenTheProviderIsSimulated() {
        SluiceConfig config = SluiceConfig.of(Map.of("provider", "simulated"));
        SluiceConfig withDemo = config.with(demo.settings(config, CONTEXT));

        assertThat(withDemo.find(GenerationConfig.SIMULATED_OUTAGE_FILE)).contains(Path.of("/tmp/demo-switches/provider-outage").toString());
        assertThat(withDemo.find(GenerationConfig.BREAKER_OPEN_MS)).contains("2000");
        assertThat(withDemo.find(FallbackChains.FALLBACK + ".gpt-4o-mini")).contains("gpt-4o-mini@backup");
        assertThat(demo.fallsBack(withDemo, "gpt-4o-mini")).isTrue();
        assertThat(demo.outage(withDemo)).hasValueSatisfying(outage -> assertThat(outage.supported()).isTrue());
    }

    @Test
    void shouldLeaveTheBreakerAndEndpointsAloneWhenTheUserConfiguredThem() {
        SluiceConfig config = SluiceConfig.of(Map.of(GenerationConfig.BREAKER_OPEN_MS, "500", FallbackChains.ENDPOINTS, "other"));

        Map<String, String> settings = demo.settings(config, CONTEXT);

        assertThat(settings).containsOnlyKeys(GenerationConfig.SIMULATED_OUTAGE_FILE);
    }

    @Test
    void shouldAddNothingWhenARealProviderIsConfigured() {
        SluiceConfig config = SluiceConfig.of(Map.of("provider", "openai"));

        assertThat(demo.settings(config, CONTEXT)).isEmpty();
        assertThat(demo.outage(config)).isEmpty();
        assertThat(demo.fallsBack(config, "gpt-4o-mini")).isFalse();
    }
}
