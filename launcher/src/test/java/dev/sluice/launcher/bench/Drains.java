package dev.sluice.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.testkit.ProcessCpu;
import dev.sluice.testkit.ThreadCpu;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the as-deployed drain benchmarks share ({@code DeployedIngestBenchmark}, {@code DeployedEnrichmentBenchmark}):
 * a drain launches one contender process against a backlog already in its input topic, counts its outcomes with a
 * {@code read_committed} reader of its output topics until all are visible, then stops it; it is timed from the launch
 * to the last outcome (the whole drain, start-up included) and over its second half, from the N/2-th outcome to the
 * N-th (the warm rate), and prints the CPU its process, its threads and the broker's JVM spent per record.
 */
final class Drains {
    static final String JAVA = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    /** The baselines' JVM: the JDK's defaults but for the heap (as before the stage's flags were tuned, so runs compare). */
    static final List<String> JVM = List.of(JAVA, "-XX:MaxRAMPercentage=75");

    private Drains() {}

    /** One drain of {@code records}: seconds from launch to the first and the last outcome, and from the N/2-th to the N-th. */
    record Drain(String what, int records, double firstSeconds, double wholeSeconds, double secondHalfSeconds,
                 Map<String, Long> byTopic) {
        double whole() {
            return records / wholeSeconds;
        }

        double warm() {
            return (records - records / 2) / secondHalfSeconds;
        }
    }

    /** {@link #JVM} followed by {@code args}. */
    static List<String> command(List<String> args) {
        List<String> c = new ArrayList<>(JVM);
        c.addAll(args);
        return c;
    }

    /**
     * Launches {@code command}, counts the records it writes to {@code topics} (from their current end) until
     * {@code records} are visible, then stops it. {@code brokerPid}: the broker's JVM, for its CPU over the drain.
     */
    static Drain drain(String what, int records, long brokerPid, String bootstrap, List<String> topics, Path log,
                       List<String> command, Path work) throws IOException {
        return drain(what, records, brokerPid, bootstrap, topics, log, command, work, false, Duration.ZERO);
    }

    /**
     * {@link #drain(String, int, long, String, List, Path, List, Path)}, leaving the contender running for {@code hold}
     * after its last outcome, then ending it with SIGKILL instead of SIGTERM when {@code crash}: a crash once its outcomes
     * are committed, which leaves no state checkpoint behind.
     */
    static Drain drain(String what, int records, long brokerPid, String bootstrap, List<String> topics, Path log,
                       List<String> command, Path work, boolean crash, Duration hold) throws IOException {
        Files.deleteIfExists(log);
        try (KafkaConsumer<byte[], byte[]> observer = observer(bootstrap, topics)) {
            Map<String, Long> byTopic = new LinkedHashMap<>();
            long seen = 0;
            long first = 0;
            long half = 0;
            long t0 = System.nanoTime();
            long brokerAtStart = ProcessCpu.micros(brokerPid);
            long ownAtHalf = 0;
            long brokerAtHalf = 0;
            Instant halfAt = null;
            ThreadCpu threadsAtHalf = null;
            ThreadCpu brokerThreadsAtHalf = null;
            try (ChildProcess process = ChildProcess.start(what, command, work, log)) {
                long deadline = t0 + Duration.ofMinutes(20).toNanos();
                while (seen < records) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException(what + " stopped after " + seen + " of " + records
                                + " outcomes; log tail:\n" + process.logTail());
                    }
                    var polled = observer.poll(Duration.ofMillis(20));
                    if (polled.isEmpty()) {
                        continue;
                    }
                    for (var rec : polled) {
                        byTopic.merge(rec.topic(), 1L, Long::sum);
                    }
                    long now = System.nanoTime();
                    if (seen == 0) {
                        first = now;
                    }
                    if (seen < records / 2 && seen + polled.count() >= records / 2) {
                        half = now;
                        halfAt = Instant.now();
                        threadsAtHalf = ThreadCpu.of(process.pid());
                        brokerThreadsAtHalf = ThreadCpu.of(brokerPid);
                        ownAtHalf = ProcessCpu.micros(process.pid());
                        brokerAtHalf = ProcessCpu.micros(brokerPid);
                    }
                    seen += polled.count();
                }
                long end = System.nanoTime();
                long ownAtEnd = ProcessCpu.micros(process.pid());
                ThreadCpu threadsAtEnd = ThreadCpu.of(process.pid());
                ThreadCpu brokerThreadsAtEnd = ThreadCpu.of(brokerPid);
                long brokerAtEnd = ProcessCpu.micros(brokerPid);
                Drain d = new Drain(what, records, (first - t0) / 1e9, (end - t0) / 1e9, (end - half) / 1e9, byTopic);
                double halfRecords = records - records / 2;
                System.out.printf("%-48s first outcome after %5.1f s, drain %6.1f s = %,8.0f/s, second half %6.1f s = %,8.0f/s %s%n"
                                + "%-48s CPU per record, us: its process %.1f whole / %.1f second half; broker JVM %.1f / %.1f%n",
                        what, d.firstSeconds(), d.wholeSeconds(), d.whole(), d.secondHalfSeconds(), d.warm(), byTopic,
                        "", (double) ownAtEnd / records, (ownAtEnd - ownAtHalf) / halfRecords,
                        (double) (brokerAtEnd - brokerAtStart) / records, (brokerAtEnd - brokerAtHalf) / halfRecords);
                System.out.printf("%-48s second half from %s to %s%n", "", halfAt, Instant.now());
                // Which threads: in a 200,000-request drain the "warm" second half still had the JIT compiler at ~40 % of
                // admission's CPU (2026-12-05); the broker's own JIT showed here too before the admission warm-up.
                System.out.printf("%-48s its threads' CPU over the second half (%,.0f records): %s%n", "", halfRecords,
                        threadsAtEnd.since(threadsAtHalf, 6));
                System.out.printf("%-48s the broker's threads, the same: %s%n", "", brokerThreadsAtEnd.since(brokerThreadsAtHalf, 6));
                sleep(hold);
                if (crash) {
                    process.kill();
                }
                return d;
            }
        }
    }

    /**
     * A {@code read_committed} reader of {@code topics}' outcomes from their current end (contenders of one stage share
     * its output topics; the baselines have fresh ones), its start resolved now, not while a contender runs.
     */
    static KafkaConsumer<byte[], byte[]> observer(String bootstrap, List<String> topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        KafkaConsumer<byte[], byte[]> observer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            observer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
        }
        observer.assign(partitions);
        observer.seekToEnd(partitions);
        partitions.forEach(observer::position);
        return observer;
    }

    /**
     * What a stage logged in {@code log} of its restores ({@code RestoreProgress}: records, time, rate, by store), each
     * with its time, or that it restored nothing.
     */
    static String restoresLogged(Path log) throws IOException {
        List<String> said = new ArrayList<>();
        try (var lines = Files.lines(log)) {
            lines.filter(l -> l.contains("RestoreProgress") && l.contains(" restored "))
                    .forEach(l -> said.add(l.substring(0, 12) + l.substring(l.indexOf(" restored "))));
        }
        return said.isEmpty() ? "nothing restored" : String.join("; ", said);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One row per drain: seconds to its first outcome, its whole-drain rate and its second half's (records/s). */
    static void printRates(List<Drain> drains, int width) {
        System.out.printf("%-" + width + "s %10s %12s %14s%n", "contender", "start s", "whole /s", "2nd half /s");
        for (Drain d : drains) {
            System.out.printf("%-" + width + "s %10.1f %12.0f %14.0f%n", d.what(), d.firstSeconds(), d.whole(), d.warm());
        }
    }

    /** The drain named {@code what}. */
    static Drain find(List<Drain> drains, String what) {
        return drains.stream().filter(d -> d.what().equals(what)).findFirst().orElseThrow();
    }

    /** The topic catalog under {@code prefix} on {@code bootstrap}, its schemas in the registry at {@code registryUrl}. */
    static TopicCatalog catalog(String bootstrap, String registryUrl, String prefix) {
        Map<String, String> base = new HashMap<>();
        base.put(CommonKeys.KAFKA_BOOTSTRAP_SERVERS, bootstrap);
        base.put(CommonKeys.SCHEMA_REGISTRY_URL, registryUrl);
        base.put(CommonKeys.TOPIC_PREFIX, prefix);
        return Topics.catalog(SluiceConfig.of(base), new SchemaRegistryClient(registryUrl));
    }

    /** Where the as-deployed benchmarks keep their logs and files ({@code target/bench-deployed}), created if missing. */
    static Path workDir() throws IOException {
        return Files.createDirectories(Paths.get("target", "bench-deployed").toAbsolutePath());
    }

    /** {@code --set} arguments for a stage's broker, schema registry and topic prefix: what every benchmark's stage is given. */
    static List<String> addressArgs(String bootstrap, String registryUrl, String prefix) {
        return List.of("--set", CommonKeys.KAFKA_BOOTSTRAP_SERVERS + "=" + bootstrap,
                "--set", CommonKeys.SCHEMA_REGISTRY_URL + "=" + registryUrl,
                "--set", CommonKeys.TOPIC_PREFIX + "=" + prefix);
    }

    /** The settings of the producers that write a benchmark's backlog, as a partner client would batch it. */
    static Map<String, Object> backlogProducer(String bootstrap) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 65_536);
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /** A topic with the catalog's default partitions, for a baseline's output. */
    static void createTopic(String bootstrap, String name) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(name, TopicCatalog.DEFAULT_PARTITIONS, (short) 1))).all().get();
        }
    }

    /** The machine's load average, as {@code /proc/loadavg} prints it. */
    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
