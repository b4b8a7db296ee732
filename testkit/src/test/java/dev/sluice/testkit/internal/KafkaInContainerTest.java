package dev.sluice.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KafkaInContainerTest {

    @Test
    void shouldSpellBrokerPropertiesAsTheApacheKafkaImageReadsThem() {
        assertThat(KafkaInContainer.envName("auto.create.topics.enable")).isEqualTo("KAFKA_AUTO_CREATE_TOPICS_ENABLE");
        assertThat(KafkaInContainer.envName("a_b.c-d")).isEqualTo("KAFKA_A__B_C___D");
    }

    @Test
    void shouldConfigureTheContainerLikeTheInProcessBroker() {
        assertThat(KafkaInContainer.env())
                .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .containsEntry("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .containsEntry("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "4")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .containsEntry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .hasSize(KafkaInContainer.BROKER_CONFIG.size());
    }
}
