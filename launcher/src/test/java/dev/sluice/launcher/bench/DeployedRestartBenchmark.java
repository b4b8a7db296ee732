package dev.sluice.launcher.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.embedded.ChildProcess;
import dev.sluice.launcher.bench.Drains.Drain;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission restarted as deployed, after a clean stop and after a crash: what a backlog waits while {@code sluice run
 * ingest} gets back to work.
 *
 * <p>Under {@code exactly_once_v2} Kafka Streams keeps a task's local state only if the process closed cleanly (it
 * writes the task's checkpoint on close and deletes it when the task starts). After a crash it finds no checkpoint,
 * wipes the task's stores and restores them from their changelogs before the task processes anything. So the time to
 * the first outcome after a crash grows with the state admission holds: every admitted request still in the dedupe
 * horizon (a day by default), every user's state written since the changelog was last compacted.
 *
 * <p>Per variant and ending ({@code -Dbench.deployed.restart.endings}: a clean stop, then a crash), each on topics of its own: {@code sluice run ingest} drains {@code
 * bench.deployed.restart.requests} requests (default 1,000,000 over 10,000 PRO users, 6 partitions) from a cold start and
 * is then stopped (SIGTERM), or killed (SIGKILL) once its outcomes are committed. At once {@code
 * bench.deployed.restart.after} new requests (default 20,000) are written, and the stage is started again on the same
 * state directory, as a supervisor would restart it, drains them and is stopped. Prints each drain (first outcome, whole
 * drain, CPU), the records in each application's changelog topics when it restarts (what a restore reads, after
 * whatever the broker compacted), and per variant the crash's extra time to the first outcome with the changelog
 * records restored per second of it. {@code -Dbench.deployed.restart.hold.ms} keeps the stage running that long after
 * its drain before the stop or crash (default 0), time for the broker's log cleaner. Asserts nothing. Variants: {@code -Dbench.deployed.restart.variants} as {@link StageVariant}
 * ({@code ;} between them).
 * Run: {@code ./mvnw -Pbench -o -pl launcher -am verify -Dit.test=DeployedRestartBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class DeployedRestartBenchmark {
    private static final int REQUESTS = Integer.getInteger("bench.deployed.restart.requests", 1_000_000);
    private static final int AFTER = Integer.getInteger("bench.deployed.restart.after", 20_000);
    private static final int USERS = Integer.getInteger("bench.deployed.users", 10_000);
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.deployed.restart.variants", "default").split(";"));
    /** How each variant's first run ends, in order ({@code -Dbench.deployed.restart.endings}, default {@code stop;crash}). */
    private static final List<String> ENDINGS = List.of(System.getProperty("bench.deployed.restart.endings", "stop;crash").split(";"));
    /**
     * How long the stage keeps running after its drain before the stop or crash ({@code -Dbench.deployed.restart.hold.ms},
     * default 0): time for the broker's log cleaner (every 15 s by default) to compact what it may.
     */
    private static final Duration HOLD = Duration.ofMillis(Long.getLong("bench.deployed.restart.hold.ms", 0));

    @Test
    void benchmark(SchemaRegistryServer registry, @TempDir Path tmp) throws Exception {
        Path work = Drains.workDir();
        List<String> loads = new ArrayList<>(List.of("start " + Drains.load()));
        try (ChildProcess broker = BrokerProcess.start(work, tmp, List.of())) {
            String bootstrap = BrokerProcess.awaitBootstrap(broker, work);
            List<Drain> drains = new ArrayList<>();
            Map<String, Long> changelogs = new LinkedHashMap<>();
            for (int i = 0; i < VARIANTS.size(); i++) {
                for (String ending : ENDINGS) {
                    // Topics of its own: the restart finds the new requests and only those, at once after the stop or crash
                    String prefix = SluiceInfra.uniquePrefix("restart");
                    TopicCatalog catalog = Drains.catalog(bootstrap, registry.url(), prefix);
                    try (Admin admin = Drains.admin(bootstrap)) {
                        Topics.createAll(admin, catalog, (short) 1);
                    }
                    DeployedIngestBenchmark.fill(bootstrap, catalog, REQUESTS, USERS, true);
                    String tag = tag(i, ending);
                    drains.add(ingest("before the " + ending + " " + label(i), tag, "before", i, REQUESTS, ending.equals("crash"), HOLD,
                            bootstrap, registry, prefix, catalog, tmp, work, broker.pid()));
                    long endedAt = System.nanoTime();
                    DeployedIngestBenchmark.fill(bootstrap, catalog, AFTER, USERS, false);
                    changelogs.put(tag, changelogRecords(bootstrap, DeployedIngestBenchmark.applicationId(prefix, tag)));
                    System.out.printf("restarting %.1f s after the %s%n", (System.nanoTime() - endedAt) / 1e9, ending);
                    drains.add(ingest("restart after the " + ending + " " + label(i), tag, "restart", i, AFTER, false, Duration.ZERO,
                            bootstrap, registry, prefix, catalog, tmp, work, broker.pid()));
                    loads.add("after the restart after the " + ending + " " + label(i) + ": " + Drains.load());
                }
            }
            print(drains, changelogs, loads, work);
        }
    }

    /** One drain of {@code sluice run ingest} tagged {@code tag} (its application id and state directory), logged per {@code phase}. */
    private static Drain ingest(String what, String tag, String phase, int variant, int records, boolean crash, Duration hold,
                                String bootstrap, SchemaRegistryServer registry, String prefix, TopicCatalog catalog, Path tmp,
                                Path work, long brokerPid) throws Exception {
        List<String> command = DeployedIngestBenchmark.ingestCommand(tag, StageVariant.parse(VARIANTS.get(variant)), bootstrap,
                registry.url(), prefix, tmp, work, false);
        return Drains.drain(what, records, brokerPid, bootstrap, DeployedIngestBenchmark.outcomes(catalog),
                work.resolve("ingest-" + tag + "-" + phase + ".log"), command, work, crash, hold);
    }

    /**
     * The records a restore of {@code applicationId}'s changelog topics reads: what is left in them after compaction, read
     * from their start to their end ({@code read_committed}).
     */
    static long changelogRecords(String bootstrap, String applicationId) throws Exception {
        List<TopicPartition> partitions;
        try (Admin admin = Drains.admin(bootstrap)) {
            List<String> topics = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog")).toList();
            partitions = admin.describeTopics(topics).allTopicNames().get().values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition()))).toList();
        }
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long records = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                records += consumer.poll(Duration.ofMillis(200)).count();
            }
            return records;
        }
    }

    private static void print(List<Drain> drains, Map<String, Long> changelogs, List<String> loads, Path work) throws IOException {
        System.out.printf("%n=== DeployedRestartBenchmark: %,d requests admitted before the stop or crash, %,d after it, %,d PRO users,"
                + " 6 partitions; the stage its own JVM, the broker its own JVM ===%n", REQUESTS, AFTER, USERS);
        System.out.println("machine load (uptime): " + String.join("; ", loads));
        Drains.printRates(drains, 56);
        for (int i = 0; i < VARIANTS.size(); i++) {
            for (String ending : ENDINGS) {
                System.out.printf("restart after the %s %s: %s%n", ending, label(i), Drains.restoresLogged(work.resolve("ingest-" + tag(i, ending) + "-restart.log")));
            }
        }
        for (int i = 0; i < VARIANTS.size() && ENDINGS.containsAll(List.of("stop", "crash")); i++) {
            Drain stopped = Drains.find(drains, "restart after the stop " + label(i));
            Drain crashed = Drains.find(drains, "restart after the crash " + label(i));
            long records = changelogs.get(tag(i, "crash"));
            double extra = crashed.firstSeconds() - stopped.firstSeconds();
            System.out.printf("%s: changelogs %,d records after the stop, %,d after the crash; first outcome %.1f s after the stop,"
                            + " %.1f s after the crash: %+.1f s, %,.0f changelog records a second of it%n", label(i),
                    changelogs.get(tag(i, "stop")), records, stopped.firstSeconds(), crashed.firstSeconds(), extra,
                    extra > 0 ? records / extra : Double.NaN);
        }
    }

    private static String tag(int variant, String ending) {
        return "restart-" + variant + "-" + ending;
    }

    private static String label(int i) {
        return "admission" + (VARIANTS.get(i).equals("default") ? "" : "[" + VARIANTS.get(i) + "]");
    }
}
