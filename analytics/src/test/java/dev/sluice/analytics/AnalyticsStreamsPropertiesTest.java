package dev.sluice.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;

import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class AnalyticsStreamsPropertiesTest {
    @SuppressWarnings("deprecation")
    private static final String GLOBAL_HANDLER = StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG;
    private final TopicCatalog topics = new TopicCatalog("", 6, new SchemaRegistryClient("http://localhost:1"));

    @Test
    void shouldTurnOnTheGlobalProcessingHandlerUnlessTheKafkaSettingsTurnItOff() {
        // Kafka Streams 4.3 warns for each config it builds while it is off; it becomes the default in 5.0
        assertThat(globalHandler(Map.of("kafka.bootstrap.servers", "localhost:1"))).isTrue();
        assertThat(globalHandler(Map.of("kafka.bootstrap.servers", "localhost:1", "kafka." + GLOBAL_HANDLER, "false"))).isFalse();
    }

    private boolean globalHandler(Map<String, String> settings) {
        SluiceConfig config = SluiceConfig.of(settings);
        Properties p = AnalyticsStage.streamsProperties(config, topics, AnalyticsConfig.from(config));
        return new StreamsConfig(p).getBoolean(GLOBAL_HANDLER);
    }
}
