package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;

import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.IngestConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsPropertiesTest {
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
}
