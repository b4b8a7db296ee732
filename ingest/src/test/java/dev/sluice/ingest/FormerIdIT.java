package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.admission.FormerIdPreflight;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Upgrading a prefixed deployment: ingest's application id used to be {@code sluice-ingest} whatever the prefix, and
 * is now {@code <prefix>sluice-ingest}. On a real broker: a deployment whose former group has read its requests topic
 * refuses to start under the new default id (which would begin with empty admission state), naming the key and both
 * fixes; it starts under the former id, or once the new id has read the topic itself.
 */
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class FormerIdIT {
    @Test
    void shouldRefuseTheNewDefaultIdWhileOnlyTheFormerIdHasReadTheRequestsTopic(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        String prefix = SluiceInfra.uniquePrefix("former-id");
        TopicCatalog topics = new TopicCatalog(prefix, 2, new SchemaRegistryClient(registry.url()));
        String newDefault = prefix + IngestConfig.DEFAULT_APPLICATION_ID;
        try (Admin admin = kafka.admin()) {
            Awaitility.await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
                TopicSetup.createAll(topics, admin, (short) 1);
                return true;
            });
            assertThatCode(() -> FormerIdPreflight.require(admin, topics, newDefault)).as("a fresh deployment").doesNotThrowAnyException();

            // the deployment as it ran before the upgrade: the unprefixed former id read the prefixed topic
            commitOffset(admin, IngestConfig.DEFAULT_APPLICATION_ID, topics.requests().name());

            assertThatThrownBy(() -> FormerIdPreflight.require(admin, topics, newDefault)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'" + IngestConfig.DEFAULT_APPLICATION_ID + "' has read " + topics.requests().name())
                    .hasMessageContaining("'" + newDefault + "' has not")
                    .hasMessageContaining(IngestConfig.APPLICATION_ID + "=" + IngestConfig.DEFAULT_APPLICATION_ID)
                    .hasMessageContaining("--delete --group " + IngestConfig.DEFAULT_APPLICATION_ID);
            assertThatCode(() -> FormerIdPreflight.require(admin, topics, IngestConfig.DEFAULT_APPLICATION_ID))
                    .as("the former id pinned").doesNotThrowAnyException();
            TopicCatalog other = new TopicCatalog(SluiceInfra.uniquePrefix("other"), 2, new SchemaRegistryClient(registry.url()));
            assertThatCode(() -> FormerIdPreflight.require(admin, other, other.prefix() + IngestConfig.DEFAULT_APPLICATION_ID))
                    .as("another deployment's topic: the former group never read it").doesNotThrowAnyException();

            // the stage itself, configured like an upgraded deployment (prefix set, id left at its default)
            Map<String, String> s = new HashMap<>(Map.of(CommonKeys.TOPIC_PREFIX, prefix,
                    CommonKeys.STATE_DIR, SluiceInfra.workDir("state").resolve(prefix).toString()));
            try (IngestStage stage = new IngestStage(IngestConfig.from(SluiceConfig.of(s)), topics, new SimpleMeterRegistry(),
                    Map.of("bootstrap.servers", kafka.bootstrapServers()), java.time.Clock.systemUTC())) {
                assertThatThrownBy(stage::start).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(IngestConfig.APPLICATION_ID + "=" + IngestConfig.DEFAULT_APPLICATION_ID);
            }

            // once the new id has read the topic (it ran after a deliberate fresh start), the former group no longer matters
            commitOffset(admin, newDefault, topics.requests().name());
            assertThatCode(() -> FormerIdPreflight.require(admin, topics, newDefault)).doesNotThrowAnyException();
        }
    }

    private static void commitOffset(Admin admin, String group, String topic) throws Exception {
        admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0))).all().get();
    }
}
