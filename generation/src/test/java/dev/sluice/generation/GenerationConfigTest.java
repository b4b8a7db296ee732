package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import dev.sluice.generation.provider.ErrorClass;
import dev.sluice.generation.resilience.ResilienceSettings;
import org.junit.jupiter.api.Test;

class GenerationConfigTest {
    @Test
    void shouldDefaultToTheDefaultConstants() {
        GenerationConfig c = GenerationConfig.from(SluiceConfig.of(Map.of()));
        assertThat(c.provider()).isEqualTo("simulated");
        assertThat(c.loop().maxInFlight()).isEqualTo(GenerationConfig.DEFAULT_MAX_IN_FLIGHT);
        assertThat(c.loop().commitInterval()).isEqualTo(Duration.ofMillis(GenerationConfig.DEFAULT_COMMIT_INTERVAL_MS));
        assertThat(c.resilience()).isEqualTo(ResilienceSettings.defaults());
        assertThat(c.resilience().bulkheadMaxCalls()).isEqualTo(c.loop().maxInFlight());
        assertThat(c.simulated().latencyMillis()).isEqualTo(GenerationConfig.DEFAULT_SIMULATED_LATENCY_MS);
        assertThat(c.simulated().failureClass()).isEqualTo(ErrorClass.OVERLOADED);
        assertThat(c.redisTimeout()).isEqualTo(Duration.ofMillis(GenerationConfig.DEFAULT_REDIS_TIMEOUT_MS));
        assertThat(c.workerThreads()).isEqualTo(GenerationConfig.DEFAULT_WORKER_THREADS);
        assertThat(c.memoryStoreMaxEntries()).isEqualTo(GenerationConfig.DEFAULT_MEMORY_STORE_MAX_ENTRIES);
        assertThat(c.semantic().minSimilarity()).isEqualTo(dev.sluice.generation.semantic.SemanticSettings.DEFAULT_MIN_SIMILARITY);
    }

    @Test
    void shouldPutTheTopicPrefixInFrontOfTheDefaultGroupAndTransactionalId() {
        GenerationConfig c = GenerationConfig.from(SluiceConfig.of(Map.of("topic.prefix", "t1.", "generation.instance.id", "a")));
        assertThat(c.groupId()).isEqualTo("t1.sluice-generation");
        assertThat(c.transactionalId()).isEqualTo("t1.sluice-generation-a");
        assertThat(GenerationConfig.from(SluiceConfig.of(Map.of("topic.prefix", "t1.", "generation.group.id", "mine"))).groupId())
                .as("a set value is used as it is").isEqualTo("mine");
    }

    @Test
    void shouldNameKeySourceAndValueWhenADurationIsNegative() {
        SluiceConfig config = SluiceConfig.load(Map.of(), Optional.empty(), Map.of("SLUICE_GENERATION_BREAKER_OPEN_MS", "-1"));
        assertThatThrownBy(() -> GenerationConfig.from(config)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("generation.breaker.open.ms").hasMessageContaining("'-1'")
                .hasMessageContaining("environment SLUICE_GENERATION_BREAKER_OPEN_MS");
    }

    @Test
    void shouldRefuseALedgerLoadTimeoutNoBrokerCallCouldMeet() {
        assertThatThrownBy(() -> GenerationConfig.from(SluiceConfig.of(Map.of("generation.ledger.load.timeout.ms", "0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("generation.ledger.load.timeout.ms").hasMessageContaining("'0'")
                .hasMessageContaining("[100,...]");
        assertThat(GenerationConfig.from(SluiceConfig.of(Map.of("generation.ledger.load.timeout.ms", "100"))).ledgerLoadTimeout())
                .isEqualTo(java.time.Duration.ofMillis(100));
    }

    @Test
    void shouldNameKeyAndValueWhenANumberIsNotANumber() {
        assertThatThrownBy(() -> GenerationConfig.from(SluiceConfig.of(Map.of("generation.retry.jitter", "lots"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("generation.retry.jitter").hasMessageContaining("'lots'")
                .hasMessageContaining("[0,...,0.99]");
    }

    @Test
    void shouldListTheChoicesWhenAnEnumValueIsUnknown() {
        assertThatThrownBy(() -> GenerationConfig.from(SluiceConfig.of(Map.of("simulated.failure.class", "GREMLINS"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("simulated.failure.class").hasMessageContaining("'GREMLINS'")
                .hasMessageContaining("OVERLOADED");
        assertThatThrownBy(() -> GenerationConfig.from(SluiceConfig.of(Map.of("provider", "acme"))))
                .hasMessageContaining("provider").hasMessageContaining("'acme'").hasMessageContaining("anthropic, openai, simulated");
    }

    @Test
    void shouldRejectASpreadLargerThanTheLatency() {
        assertThatThrownBy(() -> GenerationConfig.from(SluiceConfig.of(Map.of("simulated.latency.ms", "10", "simulated.latency.spread.ms", "20"))))
                .hasMessageContaining("simulated.latency.spread.ms").hasMessageContaining("'20'");
    }
}
