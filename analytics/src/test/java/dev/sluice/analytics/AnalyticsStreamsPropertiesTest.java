package dev.sluice.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;

import dev.sluice.common.Instances;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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

    @Test
    void shouldMakeEachInstanceAStaticMemberSoARestartAfterACrashDoesNotWaitForTheDeadMember() {
        SluiceConfig config = SluiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:1", "state.dir", "/var/lib/sluice/a"));
        StreamsConfig streams = new StreamsConfig(AnalyticsStage.streamsProperties(config, topics, AnalyticsConfig.from(config)));

        // Kafka Streams gives each stream thread's consumer the id with its thread's index
        assertThat(streams.getMainConsumerConfigs("analytics", "c", 1).get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
                .isEqualTo(Instances.ofStateDir("/var/lib/sluice/a") + "-1");
        assertThat(streams.getRestoreConsumerConfigs("c")).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    @Test
    void shouldLeaveTheMembershipToTheDeploymentWhenItNamesAnIdOrTheStreamsProtocol() {
        SluiceConfig theirs = SluiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:1", "kafka.consumer.group.instance.id", "theirs"));
        assertThat(new StreamsConfig(AnalyticsStage.streamsProperties(theirs, topics, AnalyticsConfig.from(theirs)))
                .getMainConsumerConfigs("analytics", "c", 1).get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("theirs-1");
        // the streams rebalance protocol has no static members: Kafka Streams refuses an instance id with it
        SluiceConfig streamsProtocol = SluiceConfig.of(Map.of("kafka.bootstrap.servers", "localhost:1", "kafka.group.protocol", "streams"));
        assertThat(AnalyticsStage.streamsProperties(streamsProtocol, topics, AnalyticsConfig.from(streamsProtocol)))
                .doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    private boolean globalHandler(Map<String, String> settings) {
        SluiceConfig config = SluiceConfig.of(settings);
        Properties p = AnalyticsStage.streamsProperties(config, topics, AnalyticsConfig.from(config));
        return new StreamsConfig(p).getBoolean(GLOBAL_HANDLER);
    }
}
