package dev.sluice.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class TopicCatalogIT {
    @Test
    void shouldCreateEveryTopicAndPassTheCoPartitionCheckRightAfterCreation(KafkaBroker kafka, SchemaRegistryServer registry) {
        // The check describes topics a moment after creating them, before their metadata has necessarily propagated.
        try (Admin admin = kafka.admin()) {
            for (int run = 0; run < 5; run++) {
                TopicCatalog catalog = new TopicCatalog(SluiceInfra.uniquePrefix("fresh"), 6, new SchemaRegistryClient(registry.url()));
                assertThat(TopicSetup.createAll(catalog, admin, (short) 1)).hasSize(catalog.all().size());
            }
        }
    }

    @Test
    void shouldCreateRequestsAndCostsWithBrokerTimeAndTheOutputsWithProducerTime(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        TopicCatalog catalog = new TopicCatalog(SluiceInfra.uniquePrefix("timed"), 2, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            TopicSetup.createAll(catalog, admin, (short) 1);
            for (Topic<?, ?> topic : catalog.all()) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
                // createAll waits for the metadata of requests and costs only; the others may not be known to the broker yet.
                String type = Awaitility.await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> admin
                        .describeConfigs(List.of(resource)).all().get().get(resource).get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG).value(),
                        v -> v != null);
                boolean guardsLimits = topic == catalog.requests() || topic == catalog.costs();
                assertThat(type).as(topic.name()).isEqualTo(guardsLimits ? "LogAppendTime" : "CreateTime");
            }
        }
    }

    @Test
    void shouldRefuseCostsPartitionedUnlikeRequestsNamingBothTopics(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        TopicCatalog catalog = new TopicCatalog(SluiceInfra.uniquePrefix("skewed"), 6, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(catalog.costs().name(), 3, (short) 1))).all().get();

            assertThatThrownBy(() -> TopicSetup.createAll(catalog, admin, (short) 1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(catalog.costs().name() + " has 3 partitions")
                    .hasMessageContaining(catalog.requests().name() + " has 6");
        }
    }
}
