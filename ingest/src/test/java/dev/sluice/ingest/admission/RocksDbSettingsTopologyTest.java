package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

/**
 * The RocksDB settings admission's stores open with, read back from the OPTIONS file RocksDB writes beside each store:
 * the admitted-requests store, whose lookups almost all miss, keeps bloom filters on every sorted run; the others keep
 * Kafka Streams' settings (no filter on the last run, for lookups that find their key). And no duplicate gets past
 * the filters once its entry has left memory.
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

    /**
     * The guarantee the filters must not break: a filter may answer "maybe" for an absent key, never "no" for a present
     * one. With memtables of 64 KB (RocksDB's minimum is far below Streams' 16 MB) 10,000 admissions are flushed to
     * sorted runs and compacted; every one of them sent again is still found and refused, and new ones are admitted.
     */
    @Test
    void shouldRefuseEveryDuplicateWhoseEntryIsFlushedAndCompactedOutOfMemory() {
        int n = 10_000;
        try (AdmissionDriver admission = new AdmissionDriver(Map.of(),
                Map.of(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, TinyMemtables.class))) {
            for (int u = 0; u < 100; u++) {
                admission.unlimited("u" + u);
            }
            List<LlmRequest> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                LlmRequest request = AdmissionDriver.request("u" + (i % 100)).build();
                sent.add(request);
                assertThat(admission.send(request, T0.plusMillis(i))).isInstanceOf(AdmittedRequest.class);
            }
            String store = AdmissionTopology.REQUESTS_STORE;
            double inMemory = admission.rocksDbMetric(store, "num-entries-active-mem-table") + admission.rocksDbMetric(store, "num-entries-imm-mem-tables");
            assertThat(inMemory).as("entries still in memtables").isLessThan(n / 4.0);
            assertThat(admission.rocksDbMetric(store, "total-sst-files-size")).as("bytes in sorted runs").isPositive();

            Instant later = T0.plus(Duration.ofHours(1));
            for (LlmRequest request : sent) {
                assertThat(admission.send(request, later)).as("request %s sent again", request.getRequestId())
                        .isInstanceOfSatisfying(RejectedRequest.class, r -> assertThat(r.getReason()).isEqualTo(RejectReason.DUPLICATE));
            }
            for (int u = 0; u < 100; u++) {
                assertThat(admission.send("u" + u, later)).as("a new request").isInstanceOf(AdmittedRequest.class);
            }
        }
    }

    /** Admission's settings, with memtables small enough that a test's few thousand entries leave memory. */
    public static final class TinyMemtables implements RocksDBConfigSetter {
        private final AdmissionRocksDb admission = new AdmissionRocksDb();

        @Override
        public void setConfig(String storeName, Options options, Map<String, Object> configs) {
            admission.setConfig(storeName, options, configs);
            options.setWriteBufferSize(64 * 1024);
        }

        @Override
        public void close(String storeName, Options options) {
            admission.close(storeName, options);
        }
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
