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
        assertThat(c.redisUrl()).as("unset redis.url = no Redis, in every stage").isEmpty();
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
    void shouldDefaultToTheDefaultConstants() {
        EnrichmentConfig c = EnrichmentConfig.from(SluiceConfig.of(Map.of()));
        assertThat(c.cacheTtl()).isEqualTo(EnrichmentConfig.DEFAULT_CACHE_TTL);
        assertThat(c.redisTimeout()).isEqualTo(EnrichmentConfig.DEFAULT_REDIS_TIMEOUT);
        assertThat(c.breakerOpen()).isEqualTo(EnrichmentConfig.DEFAULT_BREAKER_OPEN);
        assertThat(c.localCacheEntries()).isEqualTo(EnrichmentConfig.DEFAULT_LOCAL_CACHE_ENTRIES);
        assertThat(c.embedder()).isEqualTo(EnrichmentConfig.DEFAULT_EMBEDDER);
        assertThat(c.modelThreads()).isEqualTo(EnrichmentConfig.DEFAULT_MODEL_THREADS);
        assertThat(c.maxTextChars()).isEqualTo(EnrichmentConfig.DEFAULT_MAX_TEXT_CHARS);
        assertThat(c.pollMaxRecords()).isEqualTo(EnrichmentConfig.DEFAULT_POLL_MAX_RECORDS);
        assertThat(c.retryBackoff()).isEqualTo(EnrichmentConfig.DEFAULT_RETRY_BACKOFF);
        assertThat(c.openAiBaseUrl()).isEqualTo(EnrichmentConfig.DEFAULT_OPENAI_BASE_URL);
        assertThat(c.openAiTimeout()).isEqualTo(EnrichmentConfig.DEFAULT_OPENAI_TIMEOUT);
        assertThat(c.groupId()).isEqualTo("sluice-enrichment");
    }

    @Test
    void shouldNameKeySourceAndValueWhenADurationIsNegative() {
        SluiceConfig config = SluiceConfig.load(Map.of(), java.util.Optional.empty(), Map.of("SLUICE_ENRICHMENT_CACHE_TTL_MS", "-5"));
        assertThatThrownBy(() -> EnrichmentConfig.from(config)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("enrichment.cache.ttl.ms").hasMessageContaining("'-5'")
                .hasMessageContaining("environment SLUICE_ENRICHMENT_CACHE_TTL_MS").hasMessageContaining("milliseconds");
    }

    @Test
    void shouldListTheChoicesWhenTheEmbedderIsUnknown() {
        assertThatThrownBy(() -> EnrichmentConfig.from(SluiceConfig.of(Map.of("enrichment.embedder", "gpu"))))
                .hasMessageContaining("'gpu'").hasMessageContaining("local, openai");
    }

    @Test
    void shouldNeverPutTheApiKeyInAnError() {
        // A PASSWORD key is parsed like any other, but a bad value is never echoed.
        assertThatThrownBy(() -> EnrichmentConfig.from(SluiceConfig.of(Map.of("enrichment.openai.api.key", "sk-secret-123",
                "enrichment.model.threads", "many")))).hasMessageContaining("enrichment.model.threads")
                .hasMessageContaining("'many'").hasMessageNotContaining("sk-secret-123");
    }

    @Test
    void shouldNeverPrintTheRedisPasswordOrApiKey() {
        EnrichmentConfig c = EnrichmentConfig.from(SluiceConfig.of(Map.of("redis.url", "redis://user:s3cretpw@host:6379",
                "enrichment.embedder", "openai", "enrichment.openai.api.key", "sk-testkey123456")));
        assertThat(c.openAiApiKey()).contains("sk-testkey123456");
        assertThat(c.toString()).doesNotContain("s3cretpw").doesNotContain("sk-testkey123456");
    }
}
