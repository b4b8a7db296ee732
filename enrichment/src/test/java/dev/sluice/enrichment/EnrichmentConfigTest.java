package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import org.junit.jupiter.api.Test;

class EnrichmentConfigTest {
    @Test
    void shouldUseDocumentedDefaultsWhenNothingIsSet() {
        EnrichmentConfig c = EnrichmentConfig.from(SluiceConfig.of(Map.of("topic.prefix", "p.")));
        assertThat(c.cacheTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(c.redisTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.redisUrl()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(c.embedder()).isEqualTo("local");
        assertThat(c.groupId()).isEqualTo("p.sluice-enrichment");
        assertThat(c.transactionalId()).startsWith("p.sluice-enrichment-");
        assertThat(c.modelBatchSize()).isEqualTo(1);
    }

    @Test
    void shouldNameTheKeyWhenAValueIsInvalid() {
        assertThatThrownBy(() -> EnrichmentConfig.from(SluiceConfig.of(Map.of("enrichment.cache.ttl.ms", "soon"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("enrichment.cache.ttl.ms").hasMessageContaining("soon");
        assertThatThrownBy(() -> EnrichmentConfig.from(SluiceConfig.of(Map.of("redis.url", "http://x"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("redis.url");
        assertThatThrownBy(() -> EnrichmentConfig.from(SluiceConfig.of(Map.of("enrichment.embedder", "gpu"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("enrichment.embedder");
        assertThatThrownBy(() -> EnrichmentConfig.from(SluiceConfig.of(Map.of("enrichment.redis.timeout.ms", "0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("enrichment.redis.timeout.ms");
    }

    @Test
    void shouldNeverPrintTheRedisPasswordOrApiKey() {
        EnrichmentConfig c = EnrichmentConfig.from(SluiceConfig.of(Map.of("redis.url", "redis://user:s3cretpw@host:6379",
                "enrichment.embedder", "openai", "enrichment.openai.api.key", "sk-testkey123456")));
        assertThat(c.openAiApiKey()).contains("sk-testkey123456");
        assertThat(c.toString()).doesNotContain("s3cretpw").doesNotContain("sk-testkey123456");
    }
}
