package dev.sluice.launcher.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.sluice.common.CommonKeys;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.launcher.bench.Drains.Drain;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.Requests;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
    /**
     * Seconds between the backlog's two halves (default 0: one backlog). With a stage's dedupe horizon below it (e.g. the
     * variant {@code ingest.dedupe.horizon.ms=60000} and 65), each user's first request of the second half finds its
     * clean-up due, as a stage past its first horizon does about once for every eight of a user's requests in a horizon,
     * and reads that user's entries: the warm half is measured with those range reads among the requests.
     */
    private static final int FILL_PAUSE_SECONDS = Integer.getInteger("bench.deployed.fill.pause.seconds", 0);
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
    /**
     * Extra JVM flags for the measured baselines, space-separated ({@code -Dbench.deployed.baseline.jvm=-XX:CompileThresholdScaling=3}):
     * to see what a flag given to the stage would do for the baselines too. Not the broker, not the uncounted warm-up.
     */
    private static final List<String> BASELINE_FLAGS = Arrays.stream(System.getProperty("bench.deployed.baseline.jvm", "").split(" "))
            .filter(f -> !f.isBlank()).toList();

    /** The broker JVM's pid, for its CPU time per drain. */
    private static long brokerPid;

    @Test
    void benchmark(SchemaRegistryServer registry, RedisServer redis, @TempDir Path tmp) throws Exception {
        Path work = Drains.workDir();
        String classPath = System.getProperty("java.class.path");
        List<String> loads = new ArrayList<>();
        loads.add("start " + Drains.load());
        List<String> brokerJvm = !BROKER_JFR ? List.of() : List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+DebugNonSafepoints",
                "-XX:StartFlightRecording=filename=" + work.resolve("broker.jfr") + ",settings=profile");
        try (ChildProcess broker = BrokerProcess.start(work, tmp, brokerJvm)) {
            String bootstrap = BrokerProcess.awaitBootstrap(broker, work);
            brokerPid = broker.pid();
            String prefix = SluiceInfra.uniquePrefix("deployed");
            TopicCatalog catalog = Drains.catalog(bootstrap, registry.url(), prefix);
            try (Admin admin = Drains.admin(bootstrap)) {
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
                Drains.createTopic(bootstrap, out);
                drains.add(Drains.drain("warm-up (not counted)", REQUESTS, brokerPid, bootstrap, List.of(out),
                        work.resolve("passthrough-warm-up.log"), Drains.command(List.of(
                        "-cp", classPath, PassthroughProcess.class.getName(), bootstrap, prefix + "passthrough-warm-up",
                        catalog.requests().name(), out, tmp.resolve("pt-warm-up").toString())), work));
                loads.add("after the warm-up: " + Drains.load());
                // And the broker's transaction paths: an admission drain commits 10-50 times a second, each transaction on
                // up to 18 output and changelog partitions, which the passthrough (10 commits/s, 6 partitions) does not
                // exercise. Without this, the broker JVM was still compiling them (C2 ~0.3 of a core, JFR, 2026-12-05)
                // during the first admission drain, and that JIT was counted as admission's broker cost.
                drains.add(admission("warm-up admission (not counted)", "warm-up", "default", bootstrap, registry, prefix, catalog, tmp, work));
                loads.add("after the admission warm-up: " + Drains.load());
            }
            for (int round = 1; round <= ROUNDS; round++) {
                String r = "r" + round;
                String out = prefix + "passthrough-out-" + r;
                Drains.createTopic(bootstrap, out);
                drains.add(Drains.drain("passthrough " + r, REQUESTS, brokerPid, bootstrap, List.of(out),
                        work.resolve("passthrough-" + r + ".log"), baseline(List.of(
                        "-cp", classPath, PassthroughProcess.class.getName(), bootstrap, prefix + "passthrough-" + r,
                        catalog.requests().name(), out, tmp.resolve("pt-" + r).toString())), work));
                loads.add("after passthrough " + r + ": " + Drains.load());

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
                    loads.add("after " + label + " " + r + ": " + Drains.load());
                }

                for (String mode : REDIS ? List.of("sync", "pipelined") : List.<String>of()) {
                    redis.flushAll();
                    String limited = prefix + "redis-" + mode + "-out-" + r;
                    Drains.createTopic(bootstrap, limited);
                    drains.add(Drains.drain("redis " + mode + " " + r, REQUESTS, brokerPid, bootstrap, List.of(limited),
                            work.resolve("redis-" + mode + "-" + r + ".log"),
                            baseline(List.of("-cp", classPath, RedisLimiterProcess.class.getName(), mode, bootstrap, redis.uri(),
                                    prefix + "redis-" + mode + "-" + r, catalog.requests().name(), limited)), work));
                    loads.add("after redis " + mode + " " + r + ": " + Drains.load());
                }
            }
            print(drains, loads);
        }
    }

    /** Drains the backlog with {@code sluice run ingest} (this build, or {@code jar=}'s) at {@code variant}'s settings. */
    private static Drain admission(String what, String tag, String variant, String bootstrap, SchemaRegistryServer registry,
                                   String prefix, TopicCatalog catalog, Path tmp, Path work) throws Exception {
        List<String> ingest = ingestCommand(tag, StageVariant.parse(variant), bootstrap, registry.url(), prefix, tmp, work, JFR);
        return Drains.drain(what, REQUESTS, brokerPid, bootstrap, outcomes(catalog), work.resolve("ingest-" + tag + ".log"), ingest, work);
    }

    /**
     * {@code sluice run ingest} at {@code v}'s settings, every other setting at its default but the addresses, the topic
     * prefix, the application id ({@link #applicationId}) and the state directory ({@code tmp/ingest-<tag>}).
     */
    static List<String> ingestCommand(String tag, StageVariant v, String bootstrap, String registryUrl, String prefix,
                                      Path tmp, Path work, boolean jfr) {
        return ingestCommand(tag, applicationId(prefix, tag), v, bootstrap, registryUrl, prefix, tmp, work, jfr);
    }

    /** The same, as an instance of the application {@code applicationId} (which other instances may share). */
    static List<String> ingestCommand(String tag, String applicationId, StageVariant v, String bootstrap, String registryUrl,
                                      String prefix, Path tmp, Path work, boolean jfr) {
        List<String> ingest = v.command("ingest");
        if (jfr) {
            ingest.add(1, "-XX:StartFlightRecording=filename=" + work.resolve("ingest-" + tag + ".jfr") + ",settings=profile");
        }
        ingest.addAll(Drains.addressArgs(bootstrap, registryUrl, prefix));
        ingest.addAll(List.of(
                "--set", CommonKeys.STATE_DIR + "=" + tmp.resolve("ingest-" + tag),
                "--set", "ingest.application.id=" + applicationId,
                "--set", CommonKeys.HTTP_PORT + "=0"));
        ingest.addAll(v.setArguments());
        return ingest;
    }

    /** The application id of the ingest drain tagged {@code tag}. */
    static String applicationId(String prefix, String tag) {
        return prefix + "ingest-" + tag;
    }

    /** Where admission's outcomes go: admitted, rejected, dead letters. */
    static List<String> outcomes(TopicCatalog catalog) {
        return List.of(catalog.admitted().name(), catalog.rejected().name(), catalog.dlq().name());
    }

    /** A measured baseline (passthrough, Redis limiter): {@link Drains#JVM} plus {@link #BASELINE_FLAGS}. */
    private static List<String> baseline(List<String> args) {
        List<String> c = new ArrayList<>(BASELINE_FLAGS);
        c.addAll(args);
        return Drains.command(c);
    }

    private static void fill(String bootstrap, TopicCatalog catalog) throws InterruptedException {
        if (FILL_PAUSE_SECONDS == 0) {
            fill(bootstrap, catalog, REQUESTS, USERS, true);
            return;
        }
        fill(bootstrap, catalog, REQUESTS / 2, USERS, true);
        Thread.sleep(FILL_PAUSE_SECONDS * 1000L);
        fill(bootstrap, catalog, REQUESTS - REQUESTS / 2, USERS, false);
    }

    /**
     * Writes {@code requests} requests over {@code users} users ({@code user-0}...), as a partner client would (the
     * registered schema), after the users' PRO policies when {@code policies}: a per-minute limit above the run's volume,
     * so the benchmarks measure admitting, not refusing.
     */
    static void fill(String bootstrap, TopicCatalog catalog, int requests, int users, boolean policies) {
        Map<String, Object> p = Drains.backlogProducer(bootstrap);
        Instant now = Instant.now();
        if (policies) {
            try (KafkaProducer<String, UserPolicy> producer = new KafkaProducer<>(p, catalog.userPolicies().keySerde().serializer(),
                    catalog.userPolicies().valueSerde().serializer())) {
                for (int u = 0; u < users; u++) {
                    String user = "user-" + u;
                    producer.send(new ProducerRecord<>(catalog.userPolicies().name(), user,
                            Requests.policy(user, "PRO", 100_000, 100_000, null, null, now)));
                }
            }
        }
        try (KafkaProducer<String, LlmRequest> producer = new KafkaProducer<>(p, catalog.requests().keySerde().serializer(),
                catalog.requests().valueSerde().serializer())) {
            for (int n = 0; n < requests; n++) {
                String user = "user-" + (n % users);
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
        Drains.printRates(drains, 48);
        for (int round = 1; round <= ROUNDS; round++) {
            String r = " r" + round;
            Drain pt = Drains.find(drains, "passthrough" + r);
            Drain sync = REDIS ? Drains.find(drains, "redis sync" + r) : null;
            Drain pipe = REDIS ? Drains.find(drains, "redis pipelined" + r) : null;
            System.out.printf("round %d:%n", round);
            for (int i = 0; i < VARIANTS.size(); i++) {
                String label = variantLabel(i);
                Drain ad = Drains.find(drains, label + r);
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

}
