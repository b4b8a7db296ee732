package dev.sluice.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.StageProvider;
import dev.sluice.launcher.StageHost;
import dev.sluice.launcher.infra.StageCatalog;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.LoadGenerator;
import dev.sluice.launcher.load.Requests;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * P7: end-to-end overhead of the pipeline (ingest → enrichment → generation, exactly-once everywhere) with the
 * LLM taken out: simulated provider at 0 ms, response cache off (every request reaches the provider), a pool of
 * 16 prompts (embeddings come from Redis after the first of each; local model time is not pipeline overhead).
 * For each commit interval (after an uncounted warm-up slot at the defaults): p50/p99 of createdAt → result visible
 * to a read_committed consumer at 1,000 req/s,
 * then the saturation throughput (sending 4,000 req/s). Goal: p99 ≤ 100 ms at 1,000 req/s.
 * Run: {@code ./mvnw -Pbench -o -pl launcher verify}. The broker shares the host's disk; with
 * {@code -Dsluice.test.broker.dir=/dev/shm} it keeps its logs on a tmpfs instead, which takes the host's write-back
 * stalls (every {@code vm.dirty_expire_centisecs}, 30 s) out of the tail: see docs/performance-history.md, sixteenth pass.
 */
@ExtendWith(SluiceInfra.class)
class EndToEndBenchmark {
    private static final int RATE = Integer.getInteger("bench.rate", 1_000);
    private static final Duration WARM_UP = Duration.ofSeconds(Integer.getInteger("bench.warmup.seconds", 10));
    private static final Duration MEASURE = Duration.ofSeconds(Integer.getInteger("bench.seconds", 30));
    /**
     * Commit intervals of ingest and generation to compare, ms; 0 = leave every commit key unset (the shipped defaults,
     * {@link #DEFAULT_COMMIT_MS}); {@value #PACED} = ingest's commit pacing set explicitly (100 ms while draining, 20 ms while
     * caught up; generation at its default); any other value is a fixed interval for both. Override with
     * {@code -Dbench.commit.intervals=0,100,20,-1}.
     */
    private static final List<Integer> COMMIT_INTERVALS_MS = java.util.Arrays.stream(
            System.getProperty("bench.commit.intervals", "0,100").split(",")).map(String::trim).map(Integer::valueOf).toList();
    /**
     * Further settings for every slot, {@code ;} between {@code key=value} pairs, applied last
     * ({@code -Dbench.settings='kafka.producer.retry.backoff.ms=10'}): to see what a setting does to every row.
     */
    private static final Map<String, String> EXTRA_SETTINGS = pairs(System.getProperty("bench.settings", "").replace(';', ','));
    /**
     * Settings of one slot each, in {@link #COMMIT_INTERVALS_MS}' order, {@code |} between slots and {@code ,} between
     * {@code key=value} pairs, applied after {@link #EXTRA_SETTINGS}: to compare a setting against the defaults in
     * alternating slots of one run ({@code -Dbench.commit.intervals=0,0,0,0 -Dbench.slot.settings='|k=v||k=v'}).
     */
    private static final List<Map<String, String>> SLOT_SETTINGS = java.util.Arrays.stream(
            System.getProperty("bench.slot.settings", "").split("\\|", -1)).map(EndToEndBenchmark::pairs).toList();
    /**
     * Whether a slot at the defaults runs first and is printed but not counted (default true;
     * {@code -Dbench.warmup.slot=false} counts the first slot too). The broker shares this JVM, so the first slot measured
     * a cold broker as well as cold stages (p99 119-274 ms against 55-62 ms in the slots after it, 2026-12-05/06),
     * which a deployed stage, restarted against a running broker, does not meet.
     */
    private static final boolean WARM_UP_SLOT = Boolean.parseBoolean(System.getProperty("bench.warmup.slot", "true"));
    /** The {@link #COMMIT_INTERVALS_MS} entry for ingest's commit pacing. */
    private static final int PACED = -1;
    /** What "0" resolves to: ingest's default commit intervals (backlog, caught up) and generation's (all ms). */
    private static final String DEFAULT_COMMIT_MS = ingestDefaultCommitMs() + "/"
            + dev.sluice.generation.GenerationConfig.DEFAULT_COMMIT_INTERVAL_MS;

    record Row(String slot, boolean counted, long p50, long p99, long p999, long results, long sent, double saturation) {}

    /** One measured configuration: {@link #COMMIT_INTERVALS_MS}' entry and {@link #SLOT_SETTINGS}' settings. */
    record Slot(int commitMs, Map<String, String> settings, boolean counted) {
        String name() {
            return (counted ? "" : "warm-up (not counted) ") + label(commitMs) + (settings.isEmpty() ? "" : " " + settings);
        }
    }

    @Test
    void shouldMeasureEndToEndOverheadPerCommitInterval(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis,
                                                        @TempDir Path state) throws Exception {
        Map<String, StageProvider> found = StageCatalog.discover().all();
        List<StageProvider> stages = List.of(found.get("ingest"), found.get("enrichment"), found.get("generation"));
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        List<Row> rows = new ArrayList<>();
        List<Slot> slots = new ArrayList<>();
        if (WARM_UP_SLOT) {
            slots.add(new Slot(0, Map.of(), false));
        }
        for (int i = 0; i < COMMIT_INTERVALS_MS.size(); i++) {
            slots.add(new Slot(COMMIT_INTERVALS_MS.get(i), i < SLOT_SETTINGS.size() ? SLOT_SETTINGS.get(i) : Map.of(), true));
        }
        for (int slot = 0; slot < slots.size(); slot++) {
            int commitMs = slots.get(slot).commitMs();
            String name = slots.get(slot).name();
            System.out.println("commit " + name + " ms: load average before " + loadAverage());
            String prefix = SluiceInfra.uniquePrefix("bench" + Math.abs(commitMs));
            SluiceConfig config = config(prefix, commitMs, slots.get(slot).settings(), kafka, registry, redis, state.resolve("s" + slot));
            TopicCatalog catalog = Topics.catalog(config, new SchemaRegistryClient(registry.url()));
            try (Admin admin = kafka.admin()) {
                Topics.createAll(admin, catalog, (short) 1);
            }
            LoadGenerator load = new LoadGenerator(CommonKeys.kafkaClientProperties(config), catalog);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (StageHost host = StageHost.start(stages, config, catalog, meters)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> host.health().ready());
                load.run(plan(RATE, WARM_UP, "warm-"), quiet);
                Map<String, Double> before = streamThread(meters);
                // admission's share: request appended -> admitted record visible to read_committed readers
                LoadGenerator.Report steady;
                String admittedLag;
                String io;
                try (VisibilityProbe admitted = new VisibilityProbe(CommonKeys.kafkaClientProperties(config), catalog.admitted().name(),
                        prefix + "visibility-probe"); IoPressure pressure = IoPressure.start()) {
                    steady = load.run(plan(RATE, MEASURE, "steady-"), quiet);
                    admittedLag = admitted.summary();
                    io = pressure == null ? IoPressure.unavailable() : pressure.summary();
                }
                // the host's disk: a broker whose appends stall stalls every stage's transactions (sixteenth pass)
                System.out.printf("commit %s ms, host over the measured %d s: %s%n", name, MEASURE.toSeconds(), io);
                Map<String, Double> after = streamThread(meters);
                // ingest's stream thread over the measured 30 s: how often and how long it committed, and what it did
                System.out.printf("commit %s ms, ingest stream thread over the measured %d s: commits %.0f (%.1f/s), "
                        + "commit latency avg %.1f ms max %.1f ms, punctuations %.0f, records processed %.0f, polls %.0f%n",
                        name, MEASURE.toSeconds(),
                        after.getOrDefault("commit.total", 0.0) - before.getOrDefault("commit.total", 0.0),
                        (after.getOrDefault("commit.total", 0.0) - before.getOrDefault("commit.total", 0.0)) / MEASURE.toSeconds(),
                        after.getOrDefault("commit.latency.avg", Double.NaN), after.getOrDefault("commit.latency.max", Double.NaN),
                        after.getOrDefault("punctuate.total", 0.0) - before.getOrDefault("punctuate.total", 0.0),
                        after.getOrDefault("process.total", 0.0) - before.getOrDefault("process.total", 0.0),
                        after.getOrDefault("poll.total", 0.0) - before.getOrDefault("poll.total", 0.0));
                System.out.printf("commit %s ms, admission's share over the measured %d s (request appended -> admitted record "
                        + "visible, read_committed): %s%n", name, MEASURE.toSeconds(), admittedLag);
                LoadGenerator.Report saturated = load.run(plan(4 * RATE, Duration.ofSeconds(15), "sat-"), quiet);
                LoadGenerator.print(steady, new PrintWriter(System.out, true));
                rows.add(new Row(name, slots.get(slot).counted(), steady.latency().percentile(50), steady.latency().percentile(99),
                        steady.latency().percentile(99.9), steady.results(), steady.sent(), saturated.throughputPerSecond()));
            }
        }
        print(rows, kafka.logStore());
        assertThat(rows).allSatisfy(r -> assertThat(r.results()).as("results at commit %s ms", r.slot())
                .isGreaterThan(r.sent() * 9 / 10));
    }

    /** Ingest's stream-thread metrics (Kafka Streams' own, bound by the stage), summed over its threads, by short name. */
    private static Map<String, Double> streamThread(SimpleMeterRegistry meters) {
        Map<String, Double> out = new HashMap<>();
        String prefix = "kafka.stream.thread.";
        meters.getMeters().stream().filter(m -> m.getId().getName().startsWith(prefix)).forEach(m -> {
            String name = m.getId().getName().substring(prefix.length());
            double value = m.measure().iterator().next().getValue();
            out.merge(name, value, name.endsWith(".max") ? Math::max : Double::sum);
        });
        return out;
    }

    private static LoadGenerator.Plan plan(int rate, Duration duration, String users) {
        return new LoadGenerator.Plan(rate, 50, duration, Duration.ofSeconds(30), Requests.DEFAULT_MODEL, 64, true, false,
                users + "user-");
    }

    private static SluiceConfig config(String prefix, int commitMs, Map<String, String> slotSettings, KafkaBroker kafka, SchemaRegistryServer registry,
                                       RedisServer redis, Path state) {
        Map<String, String> v = new HashMap<>();
        v.put(CommonKeys.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        v.put(CommonKeys.SCHEMA_REGISTRY_URL, registry.url());
        v.put(CommonKeys.REDIS_URL, redis.uri());
        v.put(CommonKeys.TOPIC_PREFIX, prefix);
        v.put(CommonKeys.STATE_DIR, state.toString());
        v.put(CommonKeys.PROVIDER, "simulated");
        v.put("simulated.latency.ms", "0");
        v.put("generation.cache.enabled", "false");
        // The provider-wide rate limiter (default 1,000 calls/s) models the provider's quota, not pipeline overhead:
        // at its default the saturation run would measure the limiter.
        v.put("generation.rate.limit.per.second", "1000000");
        v.put("ingest.application.id", prefix + "ingest");
        v.put("enrichment.group.id", prefix + "enrichment");
        v.put("generation.group.id", prefix + "generation");
        if (commitMs == PACED) {
            v.put("ingest.commit.interval.ms", "100");
            v.put("ingest.commit.fresh.interval.ms", "20");
        } else if (commitMs > 0) {
            v.put("ingest.commit.interval.ms", Integer.toString(commitMs));
            v.put("ingest.commit.fresh.interval.ms", "0"); // a fixed interval: no early commits while caught up
            v.put("generation.commit.interval.ms", Integer.toString(commitMs));
        }
        v.putAll(EXTRA_SETTINGS);
        v.putAll(slotSettings);
        return SluiceConfig.of(v);
    }

    private static void print(List<Row> rows, String brokerLogs) {
        System.out.println();
        System.out.printf("P7 end-to-end overhead at %d req/s, EOS, simulated provider 0 ms, response cache off; broker logs in %s%n",
                RATE, brokerLogs);
        System.out.printf("%-10s %8s %8s %8s %10s %16s%n", "commit ms", "p50 ms", "p99 ms", "p99.9 ms", "results", "saturation rps");
        for (Row r : rows) {
            System.out.printf("%-10s %8d %8d %8d %10d %16.0f%n", r.slot(), r.p50(), r.p99(), r.p999(), r.results(), r.saturation());
        }
        List<Row> counted = rows.stream().filter(Row::counted).toList();
        Row base = counted.get(0);
        for (Row r : counted.subList(1, counted.size())) {
            System.out.printf("commit %s ms vs %s ms: p99 ×%.2f, saturation throughput ×%.2f%n", r.slot(), base.slot(),
                    (double) r.p99() / Math.max(1, base.p99()), r.saturation() / Math.max(1, base.saturation()));
        }
        System.out.println("load average (uptime) at the end: " + loadAverage());
        for (Row r : counted) {
            System.out.println("goal p99 ≤ 100 ms at " + RATE + " req/s with commit " + r.slot() + " ms: "
                    + (r.p99() <= 100 ? "met" : "NOT met"));
        }
    }

    /** The ingest module is a runtime-only dependency of the launcher: read its constant reflectively. */
    private static String ingestDefaultCommitMs() {
        try {
            Class<?> ingest = Class.forName("dev.sluice.ingest.IngestConfig");
            Object fresh = ingest.getField("DEFAULT_FRESH_COMMIT_INTERVAL_MS").get(null);
            return ingest.getField("DEFAULT_COMMIT_INTERVAL_MS").get(null) + ("0".equals(String.valueOf(fresh)) ? "" : "/fresh " + fresh);
        } catch (ReflectiveOperationException e) {
            return "?";
        }
    }

    /** {@code k=v,k2=v2} as a map, in order. */
    private static Map<String, String> pairs(String list) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String kv : list.split(",")) {
            if (kv.contains("=")) {
                out.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        return out;
    }

    private static String label(int commitMs) {
        return commitMs == 0 ? "default " + DEFAULT_COMMIT_MS : commitMs == PACED ? "paced 100/20" : Integer.toString(commitMs);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
