package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class KafkaBrokerIT {

    @Test
    void shouldRunTheFeatureLevelsOfAProduction43Cluster(KafkaBroker kafka) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            Map<String, org.apache.kafka.clients.admin.FinalizedVersionRange> finalized =
                    admin.describeFeatures().featureMetadata().get().finalizedFeatures();
            assertThat(finalized.get("metadata.version").maxVersionLevel())
                    .as("4.3-IV0, not the in-development 4.4-IV0 the test kit defaults to")
                    .isEqualTo(org.apache.kafka.server.common.MetadataVersion.IBP_4_3_IV0.featureLevel());
            assertThat(finalized.get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);
        }
    }

    @Test
    void shouldCommitATransactionThatAReadCommittedConsumerSees(KafkaBroker kafka) throws Exception {
        String topic = SluiceInfra.uniquePrefix("broker") + "tx";
        kafka.createTopics(2, topic);
        kafka.createTopics(2, topic); // idempotent

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic + "-tx"), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
            producer.commitTransaction();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topic + "-g",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            int seen = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (seen == 0 && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                seen += records.count();
            }
            assertThat(seen).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepItsLogsInAFreshDirectoryUnderTheNamedOneWithTheSettingsGivenAndDeleteItOnClose(@TempDir Path parent)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Backend.current() == Backend.INPROCESS, "the in-process broker's options");
        System.setProperty(KafkaBroker.DIR_PROPERTY, parent.toString());
        System.setProperty(KafkaBroker.CONFIG_PROPERTY, "add.partitions.to.txn.retry.backoff.ms=7, log.cleaner.backoff.ms=16000");
        Path dir;
        try (KafkaBroker broker = KafkaBroker.start()) {
            try (var dirs = Files.list(parent)) {
                List<Path> made = dirs.toList();
                assertThat(made).hasSize(1);
                dir = made.get(0);
            }
            assertThat(dir.getFileName().toString()).startsWith("sluice-kafka-");
            try (var files = Files.walk(dir)) {
                assertThat(files.anyMatch(f -> f.getFileName().toString().equals("meta.properties"))).as("the broker's logs").isTrue();
            }
            assertThat(broker.logStore()).startsWith(dir.toString() + " (");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                String id = admin.describeCluster().nodes().get().iterator().next().idString();
                var config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, id))).all().get().values()
                        .iterator().next();
                assertThat(config.get("add.partitions.to.txn.retry.backoff.ms").value()).isEqualTo("7");
                assertThat(config.get("log.cleaner.backoff.ms").value()).isEqualTo("16000");
            }
        } finally {
            System.clearProperty(KafkaBroker.DIR_PROPERTY);
            System.clearProperty(KafkaBroker.CONFIG_PROPERTY);
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void shouldRefuseASettingWithoutAValueNamingTheProperty() {
        System.setProperty(KafkaBroker.CONFIG_PROPERTY, "log.cleaner.backoff.ms");
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(KafkaBroker::overrides)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(KafkaBroker.CONFIG_PROPERTY).hasMessageContaining("'log.cleaner.backoff.ms'");
        } finally {
            System.clearProperty(KafkaBroker.CONFIG_PROPERTY);
        }
        assertThat(KafkaBroker.overrides()).isEmpty();
    }
}
