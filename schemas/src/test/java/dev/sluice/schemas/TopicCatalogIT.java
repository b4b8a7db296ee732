package dev.sluice.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import dev.sluice.schemas.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SluiceInfra.class)
class TopicCatalogIT {
    @Test
    void shouldCreateEveryTopicAndPassTheCoPartitionCheckRightAfterCreation(KafkaBroker kafka, SchemaRegistryServer registry) {
        // The check describes topics a moment after creating them, before their metadata has necessarily propagated.
        try (Admin admin = kafka.admin()) {
            for (int run = 0; run < 5; run++) {
                TopicCatalog catalog = new TopicCatalog(SluiceInfra.uniquePrefix("fresh"), 6, new SchemaRegistryClient(registry.url()));
                assertThat(catalog.createAll(admin, (short) 1)).hasSize(catalog.all().size());
            }
        }
    }

    @Test
    void shouldRefuseCostsPartitionedUnlikeRequestsNamingBothTopics(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        TopicCatalog catalog = new TopicCatalog(SluiceInfra.uniquePrefix("skewed"), 6, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(catalog.costs().name(), 3, (short) 1))).all().get();

            assertThatThrownBy(() -> catalog.createAll(admin, (short) 1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(catalog.costs().name() + " has 3 partitions")
                    .hasMessageContaining(catalog.requests().name() + " has 6");
        }
    }
}
