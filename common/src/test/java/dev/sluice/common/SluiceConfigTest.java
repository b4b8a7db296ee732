package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SluiceConfigTest {

    @Test
    void shouldLayerDefaultsThenFileThenEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sluice.properties");
        Files.writeString(file, "kafka.bootstrap.servers=file:9092\nredis.url=redis://file:6379\n");
        SluiceConfig config = SluiceConfig.load(
                Map.of("kafka.bootstrap.servers", "default:9092", "redis.url", "redis://default", "http.port", "8080"),
                Optional.of(file),
                Map.of("SLUICE_REDIS_URL", "redis://env:6379", "PATH", "/usr/bin"));

        assertThat(config.string("http.port", "x")).isEqualTo("8080");
        assertThat(config.string("kafka.bootstrap.servers", "x")).isEqualTo("file:9092");
        assertThat(config.string("redis.url", "x")).isEqualTo("redis://env:6379");
        assertThat(config.source("redis.url")).isEqualTo("environment SLUICE_REDIS_URL");
    }

    @Test
    void shouldPassThroughKafkaClientSettingsFromTheEnvironment() {
        SluiceConfig config = SluiceConfig.load(Map.of(), Optional.empty(),
                Map.of("SLUICE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "SLUICE_KAFKA_SASL_MECHANISM", "PLAIN"));
        assertThat(config.withPrefix("kafka.")).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void shouldNameTheKeySourceAndValueWhenANumberIsInvalid() {
        SluiceConfig config = SluiceConfig.load(Map.of(), Optional.empty(), Map.of("SLUICE_HTTP_PORT", "eighty"));
        assertThatThrownBy(() -> config.intValue("http.port", 8080, 0, 65535))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.port").hasMessageContaining("SLUICE_HTTP_PORT").hasMessageContaining("'eighty'");
    }

    @Test
    void shouldRejectAValueOutOfRange() {
        SluiceConfig config = SluiceConfig.of(Map.of("http.port", "70000"));
        assertThatThrownBy(() -> config.intValue("http.port", 8080, 0, 65535)).hasMessageContaining("[0, 65535]");
    }

    @Test
    void shouldNameAValueGivenInCodeAsGivenNotAsTheDefault() {
        SluiceConfig config = SluiceConfig.of(Map.of("http.port", "eighty"));
        assertThat(config.source("http.port")).isEqualTo("given");
        assertThat(config.source("redis.url")).as("a key not set at all").isEqualTo("default");
        assertThatThrownBy(() -> config.intValue("http.port", 8080, 0, 65535)).hasMessageContaining("http.port (given): 'eighty'");
    }

    @Test
    void shouldReadAProviderKeyFromTheEnvironmentOrAFile(@TempDir Path dir) throws Exception {
        SluiceConfig fromEnv = SluiceConfig.load(Map.of(), Optional.empty(), Map.of("ANTHROPIC_API_KEY", "sk-ant-123456"));
        assertThat(fromEnv.secret("provider.api.key", "ANTHROPIC_API_KEY")).contains("sk-ant-123456");

        Path keyFile = dir.resolve("key");
        Files.writeString(keyFile, "sk-file-abcdef\n");
        SluiceConfig fromFile = SluiceConfig.load(Map.of(), Optional.empty(), Map.of("SLUICE_PROVIDER_API_KEY_FILE", keyFile.toString()));
        assertThat(fromFile.secret("provider.api.key", "OPENAI_API_KEY")).contains("sk-file-abcdef");
    }

    @Test
    void shouldMapKeysToEnvironmentNamesAndBack() {
        assertThat(SluiceConfig.envName("kafka.bootstrap.servers")).isEqualTo("SLUICE_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(SluiceConfig.keyOf("SLUICE_SCHEMA_REGISTRY_URL")).isEqualTo("schema.registry.url");
    }
}
