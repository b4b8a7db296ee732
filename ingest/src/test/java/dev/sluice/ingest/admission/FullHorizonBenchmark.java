package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

/**
 * Admission with a day's admitted-request entries in its store, in-process (TopologyTestDriver, real RocksDB stores;
 * for finding why, not a deployed number): the deployed benchmarks start from an empty store, so every dedupe lookup
 * they make is answered by the memtable, while a stage that has run for a day looks each new request id up among
 * millions of entries that RocksDB has flushed and compacted. Fills the store through the topology with
 * {@code bench.horizon.entries} admitted requests (default 2,000,000, of 100,000 users over 20 hours), then times
 * {@code bench.horizon.requests} new requests (default 200,000) and as many lookups of absent keys straight on the
 * store, once with Kafka Streams' RocksDB settings and once with {@link AdmissionRocksDb}, in the same run
 * ({@code bench.horizon.rounds} rounds, order alternated); and then how long a task starting on that store takes to read
 * its held reservations' ages ({@link HeldAges}). {@code -Pbench}.
 */
class FullHorizonBenchmark {
    private static final int ENTRIES = Integer.getInteger("bench.horizon.entries", 2_000_000);
    private static final int USERS = Integer.getInteger("bench.horizon.users", 100_000);
    private static final int MEASURED = Integer.getInteger("bench.horizon.requests", 200_000);
    private static final int ROUNDS = Integer.getInteger("bench.horizon.rounds", 1);
    private static final Duration FILL_SPAN = Duration.ofHours(20);

    record Result(double fillMicros, double requestMicros, double missMicros, long admitted, double sstBytes, double readerBytes,
                  double heldAgesMicros, int heldAgesSteps) {}

    private static Result run(boolean filtersOnEveryRun) throws InterruptedException {
        Map<String, Object> streams = Map.of(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG,
                filtersOnEveryRun ? AdmissionRocksDb.class : StreamsDefaults.class);
        try (AdmissionDriver admission = new AdmissionDriver(Map.of("ingest.reservation.sweep.interval.ms", "86400000"), streams)) {
            for (int u = 0; u < USERS; u++) {
                admission.unlimited("u" + u);
            }
            Outputs outputs = new Outputs(admission);
            long admitted = 0;
            long stepNanos = FILL_SPAN.toNanos() / ENTRIES;
            long t0 = System.nanoTime();
            for (int i = 0; i < ENTRIES; i++) {
                String user = "u" + (i % USERS);
                admission.requests.pipeInput(user, AdmissionDriver.request(user).build(), T0.plusNanos(i * stepNanos));
                if (i % 10_000 == 0) {
                    admitted += outputs.drain();
                }
            }
            double fill = (System.nanoTime() - t0) / 1e3 / ENTRIES;
            admitted += outputs.drain();
            Thread.sleep(5_000); // RocksDB's background flushes and compactions of the fill
            Instant after = T0.plus(FILL_SPAN);
            long requestNanos = 0;
            for (int i = 0; i < MEASURED; i++) {
                String user = "u" + (i % USERS);
                long s = System.nanoTime();
                admission.requests.pipeInput(user, AdmissionDriver.request(user).build(), after.plusMillis(i));
                requestNanos += System.nanoTime() - s;
                if (i % 10_000 == 0) {
                    admitted += outputs.drain();
                }
            }
            admitted += outputs.drain();
            KeyValueStore<String, byte[]> requests = admission.driver.getKeyValueStore(AdmissionTopology.REQUESTS_STORE);
            List<String> absent = new ArrayList<>(MEASURED);
            for (int i = 0; i < MEASURED; i++) {
                absent.add(Reservation.key("u" + (i % USERS), UUID.randomUUID().toString()));
            }
            long found = 0;
            long s = System.nanoTime();
            for (String key : absent) {
                found += requests.get(key) == null ? 0 : 1;
            }
            double miss = (System.nanoTime() - s) / 1e3 / MEASURED;
            if (found != 0) {
                throw new AssertionError(found + " random keys found");
            }
            // What a task starting on this store reads before its oldest reservation's age is known: the entries of the users
            // holding money, here every user and every entry
            KeyValueStore<String, byte[]> users = admission.driver.getKeyValueStore(AdmissionTopology.USER_STATE_STORE);
            HeldMoney held = new HeldMoney();
            held.recount(users);
            ReservationLedger ledger = new ReservationLedger(requests, users,
                    admission.driver.getKeyValueStore(AdmissionTopology.USER_WINDOW_STORE), admission.config, held);
            int steps = 1;
            long r0 = System.nanoTime();
            while (!ledger.readHeldAges(AdmissionProcessor.HELD_AGES_STEP_ENTRIES)) {
                steps++;
            }
            double heldAges = (System.nanoTime() - r0) / 1e3 / admitted;
            return new Result(fill, requestNanos / 1e3 / MEASURED, miss, admitted,
                    admission.rocksDbMetric(AdmissionTopology.REQUESTS_STORE, "total-sst-files-size"),
                    admission.rocksDbMetric(AdmissionTopology.REQUESTS_STORE, "estimate-table-readers-mem"), heldAges, steps);
        }
    }

    /** Changes nothing: Kafka Streams' own RocksDB settings. */
    public static final class StreamsDefaults implements RocksDBConfigSetter {
        @Override
        public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        }

        @Override
        public void close(String storeName, Options options) {
        }
    }

    /** Reads every topic the driver produced to, so its queues do not hold a fill's worth of records. */
    private static final class Outputs {
        private final AdmissionDriver admission;
        private final Map<String, TestOutputTopic<byte[], byte[]>> topics = new HashMap<>();

        Outputs(AdmissionDriver admission) {
            this.admission = admission;
        }

        /** Drains every produced topic; returns how many admitted records it read. */
        long drain() {
            long admitted = 0;
            for (String name : admission.driver.producedTopicNames()) {
                TestOutputTopic<byte[], byte[]> topic = topics.computeIfAbsent(name,
                        n -> admission.driver.createOutputTopic(n, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
                int n = topic.readRecordsToList().size();
                if (name.equals(admission.topics.admitted().name())) {
                    admitted += n;
                }
            }
            return admitted;
        }
    }

    @Test
    void newRequestsAmongADaysEntries() throws InterruptedException {
        for (int round = 0; round < ROUNDS; round++) {
            boolean[] order = round % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false};
            Map<Boolean, Result> results = new HashMap<>();
            for (boolean filters : order) {
                results.put(filters, run(filters));
            }
            Result streams = results.get(false);
            Result ours = results.get(true);
            System.out.printf("HORIZON round %d: %,d entries of %,d users, then %,d new requests%n", round + 1, ENTRIES, USERS, MEASURED);
            for (Map.Entry<String, Result> e : Map.of("Streams' RocksDB settings", streams, "AdmissionRocksDb", ours).entrySet()) {
                Result r = e.getValue();
                System.out.printf("HORIZON   %-26s fill %.1f µs/request, then %.1f µs/request, absent-key lookup %.2f µs (%,d admitted); "
                                + "the store's sorted runs %.1f MB, their readers' memory (index and filters) %.1f MB%n",
                        e.getKey(), r.fillMicros(), r.requestMicros(), r.missMicros(), r.admitted(), r.sstBytes() / 1e6, r.readerBytes() / 1e6);
                System.out.printf("HORIZON   %-26s the held reservations' ages read as a starting task reads them: %.2f µs an entry, %d steps of %,d%n",
                        "", r.heldAgesMicros(), r.heldAgesSteps(), AdmissionProcessor.HELD_AGES_STEP_ENTRIES);
            }
            System.out.printf("HORIZON   ratio (Streams' ÷ AdmissionRocksDb): request ×%.2f, absent-key lookup ×%.2f%n",
                    streams.requestMicros() / ours.requestMicros(), streams.missMicros() / ours.missMicros());
        }
    }
}
