package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.loop.LoopClients;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.IngestConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsPropertiesTest {
    @SuppressWarnings("deprecation")
    private static final String GLOBAL_HANDLER = StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG;
    private final IngestConfig config = IngestConfig.from(SluiceConfig.of(Map.of()));
    private final TopicCatalog topics = new TopicCatalog("", 6, new SchemaRegistryClient("http://localhost:1"));

    @Test
    void shouldBoundTheGlobalConsumersFetchWaitSoThePolicyStoreLoadsQuickly() {
        Properties p = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));

        // Read before any task starts, one fetch wait per policies partition: 6 × 500 ms at the consumer default.
        assertThat(p.get(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)))
                .isEqualTo(AdmissionTopology.STARTUP_FETCH_MAX_WAIT_MS);
        assertThat(AdmissionTopology.STARTUP_FETCH_MAX_WAIT_MS).isLessThan(ConsumerConfig.DEFAULT_FETCH_MAX_WAIT_MS / 5);
    }

    @Test
    void shouldBoundTheRestoreConsumersFetchWaitSoTasksWithEmptyChangelogsStartQuickly() {
        Properties p = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));

        assertThat(p.get(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)))
                .isEqualTo(AdmissionTopology.STARTUP_FETCH_MAX_WAIT_MS);
        // and only the restore consumer's: the main consumer keeps its own setting
        assertThat(p.get(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG))).isNull();
    }

    @Test
    void shouldTakeTheCommitIntervalFromIngestNotFromTheClientSettings() {
        Properties p = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1",
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 5));

        assertThat(p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(IngestConfig.DEFAULT_COMMIT_INTERVAL_MS);
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void shouldGiveTheProducerLargerBatchesUnlessTheClientSettingsNameASize() {
        assertThat(producerBatchSize(Map.of("bootstrap.servers", "localhost:1"))).isEqualTo(LoopClients.DEFAULT_BATCH_BYTES);
        assertThat(LoopClients.DEFAULT_BATCH_BYTES).isGreaterThan(16 * 1024); // the producer's default
        // kafka.batch.size and kafka.producer.batch.size reach Streams as these; either one decides
        assertThat(producerBatchSize(Map.of("bootstrap.servers", "localhost:1", "batch.size", 4096))).isEqualTo(4096);
        assertThat(producerBatchSize(Map.of("bootstrap.servers", "localhost:1", "producer.batch.size", "8192"))).isEqualTo(8192);
    }

    @Test
    void shouldRetryTheProducersRefusedSendsSoonUnlessTheClientSettingsNameABackoff() {
        // CONCURRENT_TRANSACTIONS right after a commit is retried after this; the next commit waits for the retry
        assertThat(producerConfig(Map.of("bootstrap.servers", "localhost:1"), ProducerConfig.RETRY_BACKOFF_MS_CONFIG))
                .isEqualTo(Long.valueOf(LoopClients.DEFAULT_PRODUCER_RETRY_BACKOFF_MS));
        assertThat((long) LoopClients.DEFAULT_PRODUCER_RETRY_BACKOFF_MS).isLessThan(CommonClientConfigs.DEFAULT_RETRY_BACKOFF_MS);
        // kafka.retry.backoff.ms and kafka.producer.retry.backoff.ms reach Streams as these; either one decides
        assertThat(producerConfig(Map.of("bootstrap.servers", "localhost:1", "retry.backoff.ms", 250), ProducerConfig.RETRY_BACKOFF_MS_CONFIG))
                .isEqualTo(250L);
        assertThat(producerConfig(Map.of("bootstrap.servers", "localhost:1", "producer.retry.backoff.ms", "40"),
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG)).isEqualTo(40L);
        // and only the producer's: the consumers keep the client default
        Properties p = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));
        assertThat(new StreamsConfig(p).getMainConsumerConfigs("admission", "c", 0).get(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG)).isNull();
    }

    @Test
    void shouldHandleGlobalThreadProcessingErrorsThroughTheProcessingHandlerUnlessConfiguredOtherwise() {
        // Streams 4.3 warns for each config it builds while this is off; the default handler (log and fail) keeps the behaviour
        Properties p = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));
        assertThat(new StreamsConfig(p).getBoolean(GLOBAL_HANDLER)).isTrue();
        Properties off = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1",
                GLOBAL_HANDLER, false));
        assertThat(new StreamsConfig(off).getBoolean(GLOBAL_HANDLER)).isFalse();
    }

    /** The effective value of {@code key} in the producer config Streams derives from these client settings. */
    private Long producerConfig(Map<String, Object> kafkaClient, String key) {
        Properties p = AdmissionTopology.streamsProperties(config, topics, kafkaClient);
        Object value = new StreamsConfig(p).getProducerConfigs("admission").get(key);
        return value == null ? null : Long.valueOf(value.toString());
    }

    /** The batch size Streams gives its producer with these client settings. */
    private int producerBatchSize(Map<String, Object> kafkaClient) {
        Properties p = AdmissionTopology.streamsProperties(config, topics, kafkaClient);
        Object size = new StreamsConfig(p).getProducerConfigs("admission").get(ProducerConfig.BATCH_SIZE_CONFIG);
        return Integer.parseInt(size.toString());
    }

    @Test
    void shouldLeaveTheRocksDbSettingsToASetterTheDeploymentNames() {
        Properties ours = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));
        Properties theirs = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1",
                StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, "com.example.TheirSetter"));

        assertThat(ours.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(AdmissionRocksDb.class.getName());
        assertThat(theirs.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo("com.example.TheirSetter");
    }
    @Test
    void shouldMakeEachInstanceAStaticMemberSoARestartAfterACrashDoesNotWaitForTheDeadMember() {
        Properties p = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));
        StreamsConfig streams = new StreamsConfig(p);

        // Kafka Streams gives each stream thread's consumer the id with its thread's index
        assertThat(streams.getMainConsumerConfigs("admission", "c", 1).get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
                .isEqualTo(config.instanceId() + "-1");
        // the consumers without a group have none
        assertThat(streams.getRestoreConsumerConfigs("c")).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        assertThat(streams.getGlobalConsumerConfigs("c")).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    @Test
    void shouldLeaveTheMembershipToTheDeploymentWhenItNamesAnIdOrTheStreamsProtocol() {
        Properties theirs = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1",
                "main.consumer.group.instance.id", "theirs"));
        assertThat(new StreamsConfig(theirs).getMainConsumerConfigs("admission", "c", 1).get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
                .isEqualTo("theirs-1");
        // the streams rebalance protocol has no static members: Kafka Streams refuses an instance id with it
        Properties streamsProtocol = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1",
                StreamsConfig.GROUP_PROTOCOL_CONFIG, "STREAMS"));
        assertThat(streamsProtocol).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    @Test
    void shouldRollTheChangelogsSegmentsOftenSoTheBrokerCompactsWhatARestoreReadsUnlessTheDeploymentSaysOtherwise() {
        Properties ours = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));
        Properties theirs = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1",
                StreamsConfig.topicPrefix(TopicConfig.SEGMENT_MS_CONFIG), 3_600_000L));

        assertThat(ours.get(StreamsConfig.topicPrefix(TopicConfig.SEGMENT_MS_CONFIG))).isEqualTo(AdmissionTopology.CHANGELOG_SEGMENT_MS);
        assertThat(AdmissionTopology.CHANGELOG_SEGMENT_MS).isLessThan(Duration.ofDays(7).toMillis()); // the broker's default roll
        assertThat(theirs.get(StreamsConfig.topicPrefix(TopicConfig.SEGMENT_MS_CONFIG))).isEqualTo(3_600_000L);
    }
}
