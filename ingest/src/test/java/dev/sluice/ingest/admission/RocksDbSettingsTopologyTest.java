package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.schema.AdmittedRequest;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * The RocksDB settings admission's stores open with, read back from the OPTIONS file RocksDB writes beside each store:
 * the admitted-requests store, whose lookups almost all miss, keeps bloom filters on every sorted run; the others keep
 * Kafka Streams' settings (no filter on the last run, for lookups that find their key).
 */
class RocksDbSettingsTopologyTest {

    @Test
    void shouldKeepBloomFiltersOnEveryRunOfTheAdmittedRequestsStoreOnly() {
        try (AdmissionDriver admission = new AdmissionDriver()) {
            assertThat(admission.send("u1", T0)).isInstanceOf(AdmittedRequest.class);

            assertThat(dataOption(admission, AdmissionTopology.REQUESTS_STORE, "optimize_filters_for_hits")).isEqualTo("false");
            assertThat(dataOption(admission, AdmissionTopology.USER_STATE_STORE, "optimize_filters_for_hits")).isEqualTo("true");
            assertThat(dataOption(admission, AdmissionTopology.USER_WINDOW_STORE, "optimize_filters_for_hits")).isEqualTo("true");
        }
    }

    @Test
    void shouldLeaveTheRocksDbSettingsToASetterTheDeploymentNames() {
        IngestConfig config = IngestConfig.from(SluiceConfig.of(Map.of()));
        TopicCatalog topics = new TopicCatalog("", 6, new SchemaRegistryClient("http://localhost:1"));

        Properties ours = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1"));
        Properties theirs = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "localhost:1",
                StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, "com.example.TheirSetter"));

        assertThat(ours.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(AdmissionRocksDb.class.getName());
        assertThat(theirs.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo("com.example.TheirSetter");
    }

    /** {@code key} in the data column family's section of the newest OPTIONS file of {@code store}. */
    private static String dataOption(AdmissionDriver admission, String store, String key) {
        Path options = newestOptionsFile(admission.stateDir(), store);
        try {
            List<String> lines = Files.readAllLines(options);
            boolean inData = false;
            for (String line : lines) {
                String trimmed = line.trim();
                if (trimmed.startsWith("[")) {
                    inData = trimmed.equals("[CFOptions \"default\"]");
                } else if (inData && trimmed.startsWith(key + "=")) {
                    return trimmed.substring(key.length() + 1);
                }
            }
            throw new AssertionError(key + " not in the default column family of " + options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path newestOptionsFile(Path stateDir, String store) {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("OPTIONS-") && f.getParent().getFileName().toString().equals(store))
                    .max(Comparator.comparing(f -> f.getFileName().toString()))
                    .orElseThrow(() -> new AssertionError("no OPTIONS file of " + store + " under " + stateDir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
