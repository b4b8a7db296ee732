package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * What one user sending many requests per second costs admission, in-process (TopologyTestDriver, real RocksDB stores;
 * for finding why, not a deployed number), each against a baseline in the same run: the same number of requests spread
 * over 10,000 users. Prints, per request: the stream thread's time, the user-state record's size and the changelog
 * bytes written; then the clean-up of a user with many admitted-request entries: its slowest request against the
 * median request outside the clean-up. {@code -Pbench}; sizes with {@code -Dbench.hotuser.rates} (requests/s of the
 * one user, comma-separated) and {@code -Dbench.hotuser.entries} (entries the clean-up pass meets).
 */
class HotUserBenchmark {
    private static final int BASELINE_USERS = 10_000;
    private static final int MEASURED = Integer.getInteger("bench.hotuser.requests", 20_000);
    private static final int WARMUP = 5_000;

    private static AdmissionDriver driver(long horizonMs) {
        return new AdmissionDriver(Map.of("ingest.dedupe.horizon.ms", Long.toString(horizonMs),
                "ingest.reservation.sweep.interval.ms", "86400000"));
    }

    /** Per request over {@code MEASURED} requests after a warm-up that fills the users' windows: [ns, changelog bytes]. */
    private static double[] run(AdmissionDriver admission, int users, int perSecondOfOneUser) {
        int warmup = Math.max(WARMUP, perSecondOfOneUser * 60);
        for (int u = 0; u < users; u++) {
            admission.unlimited("u" + u);
        }
        List<TestOutputTopic<byte[], byte[]>> changelogs = List.of(changelog(admission, AdmissionTopology.USER_STATE_STORE),
                changelog(admission, AdmissionTopology.REQUESTS_STORE));
        long stepNanos = 1_000_000_000L / perSecondOfOneUser / users;
        long ns = 0;
        long bytes = 0;
        for (int i = 0; i < warmup + MEASURED; i++) {
            String user = "u" + (i % users);
            Instant at = T0.plusNanos(i * stepNanos);
            long t0 = System.nanoTime();
            admission.requests.pipeInput(user, AdmissionDriver.request(user).build(), at);
            long took = System.nanoTime() - t0;
            admission.admitted.readValuesToList();
            long written = drain(changelogs);
            if (i >= warmup) {
                ns += took;
                bytes += written;
            }
        }
        return new double[] {(double) ns / MEASURED, (double) bytes / MEASURED};
    }

    private static TestOutputTopic<byte[], byte[]> changelog(AdmissionDriver admission, String store) {
        return admission.driver.createOutputTopic(admission.config.applicationId() + "-" + store + "-changelog",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static long drain(List<TestOutputTopic<byte[], byte[]>> topics) {
        long bytes = 0;
        for (TestOutputTopic<byte[], byte[]> topic : topics) {
            for (TestRecord<byte[], byte[]> r : topic.readRecordsToList()) {
                bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
            }
        }
        return bytes;
    }

    @Test
    void perRequestCostOfAHotUser() {
        double[] baseline;
        try (AdmissionDriver admission = driver(86_400_000L)) {
            baseline = run(admission, BASELINE_USERS, 1);
        }
        System.out.printf("HOTUSER baseline: %,d users at 1 request/s each: %.1f µs, %.0f changelog bytes per request%n",
                BASELINE_USERS, baseline[0] / 1e3, baseline[1]);
        for (String rate : System.getProperty("bench.hotuser.rates", "20,250").split(",")) {
            int perSecond = Integer.parseInt(rate.trim());
            try (AdmissionDriver admission = driver(86_400_000L)) {
                double[] hot = run(admission, 1, perSecond);
                System.out.printf("HOTUSER one user at %d requests/s (%,d in its window): %.1f µs (×%.1f the baseline), "
                                + "%.0f changelog bytes per request (×%.1f), user state %,d B%n", perSecond, perSecond * 60,
                        hot[0] / 1e3, hot[0] / baseline[0], hot[1], hot[1] / baseline[1], admission.state("u0").encode().length);
            }
        }
    }

    @Test
    void slowestRequestOfAHotUsersCleanUp() {
        int entries = Integer.getInteger("bench.hotuser.entries", 300_000);
        int perSecond = 20;
        long horizonMs = (long) entries * 1_000 / perSecond; // the clean-up falls due after `entries` requests
        int total = entries + entries / 10;
        try (AdmissionDriver admission = driver(horizonMs)) {
            admission.unlimited("u0");
            List<TestOutputTopic<byte[], byte[]>> changelogs = List.of(changelog(admission, AdmissionTopology.USER_STATE_STORE),
                    changelog(admission, AdmissionTopology.REQUESTS_STORE));
            long[] before = new long[entries - WARMUP];
            long slowest = 0;
            int slowestAt = -1;
            int passRequests = 0;
            long passNanos = 0;
            for (int i = 0; i < total; i++) {
                Instant at = T0.plusMillis(i * 1_000L / perSecond);
                long t0 = System.nanoTime();
                admission.requests.pipeInput("u0", AdmissionDriver.request("u0").build(), at);
                long took = System.nanoTime() - t0;
                admission.admitted.readValuesToList();
                if (i % 1_000 == 0) {
                    drain(changelogs);
                }
                if (i >= WARMUP && i < entries) {
                    before[i - WARMUP] = took;
                } else if (i >= entries) {
                    if (took > slowest) {
                        slowest = took;
                        slowestAt = i;
                    }
                    if (admission.state("u0").cleanupCursor != null || passRequests == 0) {
                        passRequests++;
                        passNanos += took;
                    }
                }
            }
            Arrays.sort(before);
            long median = before[before.length / 2];
            System.out.printf("HOTUSER clean-up of one user's %,d entries (steps of %d): slowest request %.2f ms (request %,d), "
                            + "%,d requests while the pass ran at %.1f µs on average; median request before it %.1f µs, "
                            + "slowest before it %.2f ms: slowest ÷ median ×%.0f%n", entries, ReservationLedger.STEP_ENTRIES,
                    slowest / 1e6, slowestAt, passRequests, passNanos / 1e3 / passRequests, median / 1e3,
                    before[before.length - 1] / 1e6, (double) slowest / median);
        }
    }
}
