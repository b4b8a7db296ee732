package dev.sluice.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.Requests;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.ProcessCpu;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.ThreadCpu;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * P1, P1c, P2, P2b as deployed: every contender is its own JVM, reading the same pre-filled requests topic (6
 * partitions, written by a partner-style producer with the registered Avro schema) on a broker that runs in yet
 * another JVM ({@link BrokerProcess}); this JVM only produces the backlog and counts the outcomes
 * ({@code read_committed}).
 * <ul>
 *   <li>admission: {@code java -XX:SharedArchiveFile=target/sluice.jsa -XX:CompileThresholdScaling=3
 *       -XX:MaxRAMPercentage=75 -jar target/sluice.jar run ingest} (the Dockerfile's command line, with the build's
 *       start-up archive; see {@link StageVariant}), every setting at its default except the addresses, topic prefix, a
 *       fresh application id and state directory per run (a cold start: nothing to restore, nothing compiled);</li>
 *   <li>passthrough: {@link PassthroughProcess}, a plain Streams {@code exactly_once_v2} byte copy;</li>
 *   <li>Redis limiter: {@link RedisLimiterProcess}, one {@code MULTI/EXEC} per request, 1 in flight (P2) or pipelined
 *       per poll (P2b).</li>
 * </ul>
 * Each drain is timed from the process launch to the last outcome visible to a {@code read_committed} reader (the
 * whole drain, start-up included: P1c) and over its second half, from the N/2-th to the N-th outcome (JIT warm:
 * P1). Users are PRO with a per-minute limit above the run's volume, so every request is admitted. Prints, asserts
 * nothing. Size and rounds: {@code -Dbench.deployed.requests} (default 200,000), {@code -Dbench.deployed.users}
 * (10,000), {@code -Dbench.deployed.rounds} (1); {@code -Dbench.deployed.jfr=true} records a JFR profile of each
 * ingest process under {@code target/bench-deployed}, {@code -Dbench.deployed.broker.jfr=true} one of the broker JVM (each
 * drain prints the wall-clock times of its second half, to cut the broker's profile by drain).
 * Run: {@code ./mvnw -Pbench -o -pl launcher -am verify -Dit.test=DeployedIngestBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class DeployedIngestBenchmark {
    private static final int REQUESTS = Integer.getInteger("bench.deployed.requests", 200_000);
    private static final int USERS = Integer.getInteger("bench.deployed.users", 10_000);
    private static final int ROUNDS = Integer.getInteger("bench.deployed.rounds", 1);
    private static final boolean JFR = Boolean.getBoolean("bench.deployed.jfr");
    private static final boolean BROKER_JFR = Boolean.getBoolean("bench.deployed.broker.jfr");
    /** A passthrough drain before round 1 that warms the broker and is not counted; {@code -Dbench.deployed.warmup=false} skips it. */
    private static final boolean WARM_UP = Boolean.parseBoolean(System.getProperty("bench.deployed.warmup", "true"));
    /** {@code -Dbench.deployed.redis=false} skips the Redis limiters (P2, P2b) when only admission settings are compared. */
    private static final boolean REDIS = Boolean.parseBoolean(System.getProperty("bench.deployed.redis", "true"));
    /**
     * {@code -Dbench.deployed.policy.partitions=6} creates {@code llm.user-policies} with that many partitions (as
     * deployments made before it had one partition did) instead of the catalog's one; 0 (default): the catalog's.
     */
    private static final int POLICY_PARTITIONS = Integer.getInteger("bench.deployed.policy.partitions", 0);
    /** Ingest variants to compare, {@code ;} between them: {@link StageVariant} ("default" = none; {@code jar=}, {@code jvm=}, {@code cds=}, key=value). */
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.deployed.ingest.variants", "default").split(";"));
    private static final String JAVA = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    /** The baselines' JVM: the JDK's defaults but for the heap (as before the stage's flags were tuned, so runs compare). */
    private static final List<String> JVM = List.of(JAVA, "-XX:MaxRAMPercentage=75");
    /**
     * Extra JVM flags for the measured baselines, space-separated ({@code -Dbench.deployed.baseline.jvm=-XX:CompileThresholdScaling=3}):
     * to see what a flag given to the stage would do for the baselines too. Not the broker, not the uncounted warm-up.
     */
    private static final List<String> BASELINE_FLAGS = Arrays.stream(System.getProperty("bench.deployed.baseline.jvm", "").split(" "))
            .filter(f -> !f.isBlank()).toList();

    /** The broker JVM's pid, for its CPU time per drain. */
    private static long brokerPid;

    /** One drain: seconds from launch to the first and last outcome, and from the N/2-th to the N-th. */
    record Drain(String what, double firstSeconds, double wholeSeconds, double secondHalfSeconds, Map<String, Long> byTopic) {
        double whole() {
            return REQUESTS / wholeSeconds;
        }

        double warm() {
            return (REQUESTS - REQUESTS / 2) / secondHalfSeconds;
        }
    }

    @Test
    void benchmark(SchemaRegistryServer registry, RedisServer redis, @TempDir Path tmp) throws Exception {
        Path work = Paths.get("target", "bench-deployed").toAbsolutePath();
        Files.createDirectories(work);
        String classPath = System.getProperty("java.class.path");
        List<String> loads = new ArrayList<>();
        loads.add("start " + load());
        Files.deleteIfExists(work.resolve("broker.log")); // ChildProcess appends: an old run's address must not be read
        List<String> brokerJvm = new ArrayList<>(List.of("-Xmx1g"));
        if (BROKER_JFR) {
            brokerJvm.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+DebugNonSafepoints",
                    "-XX:StartFlightRecording=filename=" + work.resolve("broker.jfr") + ",settings=profile"));
        }
        brokerJvm.addAll(List.of("-cp", classPath, BrokerProcess.class.getName(), tmp.resolve("broker").toString()));
        try (ChildProcess broker = ChildProcess.start("broker", command(brokerJvm), work, work.resolve("broker.log"))) {
            String bootstrap = awaitBootstrap(broker, work.resolve("broker.log"));
            brokerPid = broker.pid();
            String prefix = SluiceInfra.uniquePrefix("deployed");
            Map<String, String> base = new HashMap<>();
            base.put(CommonKeys.KAFKA_BOOTSTRAP_SERVERS, bootstrap);
            base.put(CommonKeys.SCHEMA_REGISTRY_URL, registry.url());
            base.put(CommonKeys.TOPIC_PREFIX, prefix);
            TopicCatalog catalog = Topics.catalog(SluiceConfig.of(base), new SchemaRegistryClient(registry.url()));
            try (Admin admin = admin(bootstrap)) {
                if (POLICY_PARTITIONS > 0) { // created first, so createAll leaves it as it is
                    admin.createTopics(List.of(new NewTopic(catalog.userPolicies().name(), POLICY_PARTITIONS, (short) 1)
                            .configs(catalog.userPolicies().configs()))).all().get();
                }
                Topics.createAll(admin, catalog, (short) 1);
            }
            long t0 = System.nanoTime();
            fill(bootstrap, catalog);
            System.out.printf("backlog: %,d requests over %,d PRO users written in %.1f s%n", REQUESTS, USERS, (System.nanoTime() - t0) / 1e9);

            List<Drain> drains = new ArrayList<>();
            if (WARM_UP) {
                // The broker's own JIT: the first drain against a fresh broker JVM ran at about half the speed of the
                // second (passthrough 60k vs 112k rec/s warm, 2026-12-02), so no contender is measured on a cold broker.
                String out = prefix + "passthrough-out-warm-up";
                createTopic(bootstrap, out);
                drains.add(drain("warm-up (not counted)", bootstrap, List.of(out), work.resolve("passthrough-warm-up.log"), command(List.of(
                        "-cp", classPath, PassthroughProcess.class.getName(), bootstrap, prefix + "passthrough-warm-up",
                        catalog.requests().name(), out, tmp.resolve("pt-warm-up").toString())), work));
                loads.add("after the warm-up: " + load());
                // And the broker's transaction paths: an admission drain commits 10-50 times a second, each transaction on
                // up to 18 output and changelog partitions, which the passthrough (10 commits/s, 6 partitions) does not
                // exercise. Without this, the broker JVM was still compiling them (C2 ~0.3 of a core, JFR, 2026-12-05)
                // during the first admission drain, and that JIT was counted as admission's broker cost.
                drains.add(admission("warm-up admission (not counted)", "warm-up", "default", bootstrap, registry, prefix, catalog, tmp, work));
                loads.add("after the admission warm-up: " + load());
            }
            for (int round = 1; round <= ROUNDS; round++) {
                String r = "r" + round;
                String out = prefix + "passthrough-out-" + r;
                createTopic(bootstrap, out);
                drains.add(drain("passthrough " + r, bootstrap, List.of(out), work.resolve("passthrough-" + r + ".log"), baseline(List.of(
                        "-cp", classPath, PassthroughProcess.class.getName(), bootstrap, prefix + "passthrough-" + r,
                        catalog.requests().name(), out, tmp.resolve("pt-" + r).toString())), work));
                loads.add("after passthrough " + r + ": " + load());

                // Even rounds run the variants in reverse: the contender right after the passthrough ran slower in every
                // run of 2026-12-02 (the broker still settling the passthrough's writes), which must not favour one variant.
                List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, VARIANTS.size()).boxed().toList());
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (int i : order) {
                    String label = variantLabel(i);
                    // a tag per position, not per text: a variant listed twice is two drains with their own application ids
                    drains.add(admission(label + " " + r, r + "-" + i, VARIANTS.get(i), bootstrap, registry, prefix,
                            catalog, tmp, work));
                    loads.add("after " + label + " " + r + ": " + load());
                }

                for (String mode : REDIS ? List.of("sync", "pipelined") : List.<String>of()) {
                    redis.flushAll();
                    String limited = prefix + "redis-" + mode + "-out-" + r;
                    createTopic(bootstrap, limited);
                    drains.add(drain("redis " + mode + " " + r, bootstrap, List.of(limited), work.resolve("redis-" + mode + "-" + r + ".log"),
                            baseline(List.of("-cp", classPath, RedisLimiterProcess.class.getName(), mode, bootstrap, redis.uri(),
                                    prefix + "redis-" + mode + "-" + r, catalog.requests().name(), limited)), work));
                    loads.add("after redis " + mode + " " + r + ": " + load());
                }
            }
            print(drains, loads);
        }
    }

    /** Drains the backlog with {@code sluice run ingest} (this build, or {@code jar=}'s) at {@code variant}'s settings. */
    private static Drain admission(String what, String tag, String variant, String bootstrap, SchemaRegistryServer registry,
                                   String prefix, TopicCatalog catalog, Path tmp, Path work) throws Exception {
        List<String> ingest = new ArrayList<>(List.of(JAVA));
        ingest.addAll(StageVariant.DEPLOYED_FLAGS);
        if (JFR) {
            ingest.add("-XX:StartFlightRecording=filename=" + work.resolve("ingest-" + tag + ".jfr") + ",settings=profile");
        }
        StageVariant v = StageVariant.parse(variant);
        ingest.addAll(v.jvmFlags());
        ingest.addAll(List.of("-jar", v.jar(), "run", "ingest",
                "--set", CommonKeys.KAFKA_BOOTSTRAP_SERVERS + "=" + bootstrap,
                "--set", CommonKeys.SCHEMA_REGISTRY_URL + "=" + registry.url(),
                "--set", CommonKeys.TOPIC_PREFIX + "=" + prefix,
                "--set", CommonKeys.STATE_DIR + "=" + tmp.resolve("ingest-" + tag),
                "--set", "ingest.application.id=" + prefix + "ingest-" + tag,
                "--set", CommonKeys.HTTP_PORT + "=0"));
        ingest.addAll(v.setArguments());
        return drain(what, bootstrap, List.of(catalog.admitted().name(), catalog.rejected().name(), catalog.dlq().name()),
                work.resolve("ingest-" + tag + ".log"), ingest, work);
    }

    /** A measured baseline (passthrough, Redis limiter): {@link #JVM} plus {@link #BASELINE_FLAGS}. */
    private static List<String> baseline(List<String> args) {
        List<String> c = new ArrayList<>(BASELINE_FLAGS);
        c.addAll(args);
        return command(c);
    }

    private static List<String> command(List<String> args) {
        List<String> c = new ArrayList<>(JVM);
        c.addAll(args);
        return c;
    }

    /** Launches the process, counts its outcomes until all {@link #REQUESTS} are visible, then stops it. */
    private static Drain drain(String what, String bootstrap, List<String> topics, Path log, List<String> command, Path work)
            throws IOException {
        Files.deleteIfExists(log);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        try (KafkaConsumer<byte[], byte[]> observer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                observer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            observer.assign(partitions);
            // from the current end: the admission variants share ingest's output topics (fresh topics for the others)
            observer.seekToEnd(partitions);
            partitions.forEach(observer::position); // resolve the start now, not while the contender runs
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
                while (seen < REQUESTS) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException(what + " stopped after " + seen + " of " + REQUESTS
                                + " outcomes; log tail:\n" + process.logTail());
                    }
                    var records = observer.poll(Duration.ofMillis(20));
                    if (records.isEmpty()) {
                        continue;
                    }
                    for (var rec : records) {
                        byTopic.merge(rec.topic(), 1L, Long::sum);
                    }
                    long now = System.nanoTime();
                    if (seen == 0) {
                        first = now;
                    }
                    if (seen < REQUESTS / 2 && seen + records.count() >= REQUESTS / 2) {
                        half = now;
                        halfAt = Instant.now();
                        threadsAtHalf = ThreadCpu.of(process.pid());
                        brokerThreadsAtHalf = ThreadCpu.of(brokerPid);
                        ownAtHalf = ProcessCpu.micros(process.pid());
                        brokerAtHalf = ProcessCpu.micros(brokerPid);
                    }
                    seen += records.count();
                }
                long end = System.nanoTime();
                long ownAtEnd = ProcessCpu.micros(process.pid());
                ThreadCpu threadsAtEnd = ThreadCpu.of(process.pid());
                ThreadCpu brokerThreadsAtEnd = ThreadCpu.of(brokerPid);
                long brokerAtEnd = ProcessCpu.micros(brokerPid);
                Drain d = new Drain(what, (first - t0) / 1e9, (end - t0) / 1e9, (end - half) / 1e9, byTopic);
                double halfRequests = REQUESTS - REQUESTS / 2;
                System.out.printf("%-48s first outcome after %5.1f s, drain %6.1f s = %,8.0f/s, second half %6.1f s = %,8.0f/s %s%n"
                                + "%-48s CPU per request, us: its process %.1f whole / %.1f second half; broker JVM %.1f / %.1f%n",
                        what, d.firstSeconds(), d.wholeSeconds(), d.whole(), d.secondHalfSeconds(), d.warm(), byTopic,
                        "", (double) ownAtEnd / REQUESTS, (ownAtEnd - ownAtHalf) / halfRequests,
                        (double) (brokerAtEnd - brokerAtStart) / REQUESTS, (brokerAtEnd - brokerAtHalf) / halfRequests);
                System.out.printf("%-48s second half from %s to %s%n", "", halfAt, Instant.now());
                // Which threads: in a 200,000-request drain the "warm" second half still had the JIT compiler at ~40 % of
                // admission's CPU (2026-12-05); the broker's own JIT showed here too before the admission warm-up.
                System.out.printf("%-48s its threads' CPU over the second half (%,.0f requests): %s%n", "", halfRequests,
                        threadsAtEnd.since(threadsAtHalf, 6));
                System.out.printf("%-48s the broker's threads, the same: %s%n", "", brokerThreadsAtEnd.since(brokerThreadsAtHalf, 6));
                return d;
            }
        }
    }

    private static void fill(String bootstrap, TopicCatalog catalog) {
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 65_536);
        Instant now = Instant.now();
        try (KafkaProducer<String, UserPolicy> policies = new KafkaProducer<>(p, catalog.userPolicies().keySerde().serializer(),
                catalog.userPolicies().valueSerde().serializer())) {
            for (int u = 0; u < USERS; u++) {
                String user = "user-" + u;
                // PRO, with a per-minute limit above the run's volume: the benchmark measures admitting, not refusing
                policies.send(new ProducerRecord<>(catalog.userPolicies().name(), user,
                        Requests.policy(user, "PRO", 100_000, 100_000, null, null, now)));
            }
        }
        try (KafkaProducer<String, LlmRequest> producer = new KafkaProducer<>(p, catalog.requests().keySerde().serializer(),
                catalog.requests().valueSerde().serializer())) {
            for (int n = 0; n < REQUESTS; n++) {
                String user = "user-" + (n % USERS);
                Instant at = Instant.now();
                producer.send(new ProducerRecord<>(catalog.requests().name(), null, at.toEpochMilli(), user,
                        Requests.request(user, Requests.DEFAULT_MODEL, "summarise the quarterly report, item " + (n % 64), 64, at)));
            }
        }
    }

    private static void print(List<Drain> drains, List<String> loads) {
        System.out.printf("%n=== DeployedIngestBenchmark: %,d requests, %,d PRO users, 6 partitions; each contender its own JVM, broker its own JVM ===%n",
                REQUESTS, USERS);
        System.out.println("machine load (uptime): " + String.join("; ", loads));
        System.out.printf("%-48s %10s %12s %14s%n", "contender", "start s", "whole /s", "2nd half /s");
        for (Drain d : drains) {
            System.out.printf("%-48s %10.1f %12.0f %14.0f%n", d.what(), d.firstSeconds(), d.whole(), d.warm());
        }
        for (int round = 1; round <= ROUNDS; round++) {
            String r = " r" + round;
            Drain pt = find(drains, "passthrough" + r);
            Drain sync = REDIS ? find(drains, "redis sync" + r) : null;
            Drain pipe = REDIS ? find(drains, "redis pipelined" + r) : null;
            System.out.printf("round %d:%n", round);
            for (int i = 0; i < VARIANTS.size(); i++) {
                String label = variantLabel(i);
                Drain ad = find(drains, label + r);
                System.out.printf(" %s%n", label);
                System.out.printf("  P1  admission / passthrough, warm 2nd half   %6.2f  (%,.0f / %,.0f; goal >= 0.6)%n", ad.warm() / pt.warm(), ad.warm(), pt.warm());
                System.out.printf("  P1c admission / passthrough, whole drain     %6.2f  (%,.0f / %,.0f; goal >= 0.5)%n", ad.whole() / pt.whole(), ad.whole(), pt.whole());
                if (!REDIS) {
                    continue;
                }
                System.out.printf("  P2  admission / redis 1 in flight, warm      %6.2f  (%,.0f / %,.0f; goal >= 5)%n", ad.warm() / sync.warm(), ad.warm(), sync.warm());
                System.out.printf("      admission / redis 1 in flight, whole     %6.2f  (%,.0f / %,.0f)%n", ad.whole() / sync.whole(), ad.whole(), sync.whole());
                System.out.printf("  P2b admission / redis pipelined/poll, warm   %6.2f  (%,.0f / %,.0f; goal >= 1.2)%n", ad.warm() / pipe.warm(), ad.warm(), pipe.warm());
                System.out.printf("      admission / redis pipelined/poll, whole  %6.2f  (%,.0f / %,.0f)%n", ad.whole() / pipe.whole(), ad.whole(), pipe.whole());
            }
        }
    }

    /** "admission", "admission[k=v]"; with " #2" etc. when {@link #VARIANTS} lists the same variant more than once. */
    private static String variantLabel(int i) {
        String variant = VARIANTS.get(i);
        String label = "admission" + (variant.equals("default") ? "" : "[" + variant + "]");
        return java.util.Collections.frequency(VARIANTS, variant) > 1 ? label + " #" + (i + 1) : label;
    }

    private static Drain find(List<Drain> drains, String what) {
        return drains.stream().filter(d -> d.what().equals(what)).findFirst().orElseThrow();
    }

    private static String awaitBootstrap(ChildProcess broker, Path log) {
        String[] found = {null};
        broker.awaitReady(() -> {
            try {
                Optional<String> line = Files.readAllLines(log).stream().filter(l -> l.startsWith("BOOTSTRAP=")).findFirst();
                line.ifPresent(l -> found[0] = l.substring("BOOTSTRAP=".length()).trim());
                return line.isPresent();
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(120));
        return found[0];
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static void createTopic(String bootstrap, String name) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(name, TopicCatalog.DEFAULT_PARTITIONS, (short) 1))).all().get();
        }
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
