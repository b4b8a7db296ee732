package dev.sluice.launcher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.common.CommonKeys;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.enrichment.CacheKeys;
import dev.sluice.launcher.bench.Drains.Drain;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.Requests;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrichment as deployed (issue 15's "each stage as its own process"): {@code java -jar target/sluice.jar run
 * enrichment} as its own JVM, every setting at its default except the addresses, the topic prefix and a fresh group id
 * per drain, drains a backlog of admitted requests (10,000 users, 2,000 distinct ~190-character prompts) whose
 * embeddings are all in Redis already: the warm path that P3 measures in-process. The broker runs in another JVM
 * ({@link BrokerProcess}), Redis is the test kit's {@code redis-server}. Baselines in the same run: the plain
 * {@code exactly_once_v2} passthrough process on the same topic ({@link PassthroughProcess}: what moving the records
 * costs) and a raw lettuce MGET of the same keys from this JVM, 500 keys a call (P3's baseline, now across processes).
 * An uncounted warm-up drain first computes the 2,000 embeddings (the local model) and warms the broker. Prints,
 * asserts nothing. Size: {@code -Dbench.deployed.enrichment.requests} (200,000), rounds
 * {@code -Dbench.deployed.enrichment.rounds} (1; even rounds run the passthrough after the stages), stages to compare
 * {@code -Dbench.deployed.enrichment.variants}.
 * Run: {@code ./mvnw -Pbench -o -pl launcher -am verify -Dit.test=DeployedEnrichmentBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class DeployedEnrichmentBenchmark {
    private static final int REQUESTS = Integer.getInteger("bench.deployed.enrichment.requests", 200_000);
    private static final int ROUNDS = Integer.getInteger("bench.deployed.enrichment.rounds", 1);
    /**
     * The stages to compare, {@code ;} between them, each a {@link StageVariant} ("default"; {@code jvm=} e.g. a profiler
     * agent, key=value, {@code jar=} another build); even rounds run them in reverse.
     */
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.deployed.enrichment.variants", "default").split(";"));
    private static final int USERS = 10_000;
    private static final int DISTINCT = 2_000;
    /** Keys per raw MGET: the stage's poll ({@code enrichment.poll.max.records}, 500). */
    private static final int MGET_KEYS = 500;

    @Test
    void benchmark(SchemaRegistryServer registry, RedisServer redis, @TempDir Path tmp) throws Exception {
        Path work = Paths.get("target", "bench-deployed-enrichment").toAbsolutePath();
        Files.createDirectories(work);
        String classPath = System.getProperty("java.class.path");
        List<String> loads = new ArrayList<>(List.of("start " + Drains.load()));
        redis.flushAll();
        try (ChildProcess broker = BrokerProcess.start(work, tmp, List.of())) {
            String bootstrap = BrokerProcess.awaitBootstrap(broker, work);
            String prefix = SluiceInfra.uniquePrefix("deployed-enrichment");
            TopicCatalog catalog = Drains.catalog(bootstrap, registry.url(), prefix);
            try (Admin admin = Drains.admin(bootstrap)) {
                Topics.createAll(admin, catalog, (short) 1);
            }
            fill(bootstrap, catalog);
            List<String> outputs = List.of(catalog.enriched().name(), catalog.dlq().name());

            List<Drain> drains = new ArrayList<>();
            drains.add(enrichment("warm-up (not counted: computes the embeddings)", "warm-up", "default", bootstrap, registry, redis,
                    prefix, outputs, broker.pid(), work));
            loads.add("after the warm-up: " + Drains.load());
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, byte[]> raw = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
                List<String> keys = raw.sync().keys(CacheKeys.PREFIX + "*");
                System.out.printf("Redis holds %,d embeddings after the warm-up (%,d distinct prompts)%n", keys.size(), DISTINCT);
                List<String> perRequest = new ArrayList<>(REQUESTS);
                for (int n = 0; n < REQUESTS; n++) {
                    perRequest.add(keys.get(n % keys.size()));
                }
                for (int i = 0; i < 5; i++) {
                    rawMget(raw, perRequest); // untimed: this JVM's lettuce warmed up as the stage's was in its warm-up
                }
                List<Double> mget = new ArrayList<>();
                for (int round = 1; round <= ROUNDS; round++) {
                    String r = "r" + round;
                    String out = prefix + "passthrough-out-" + r;
                    Drains.createTopic(bootstrap, out);
                    List<String> passthrough = Drains.command(List.of("-cp", classPath, PassthroughProcess.class.getName(),
                            bootstrap, prefix + "passthrough-" + r, catalog.admitted().name(), out, tmp.resolve("pt-" + r).toString()));
                    if (round % 2 == 1) {
                        drains.add(Drains.drain("passthrough " + r, REQUESTS, broker.pid(), bootstrap, List.of(out),
                                work.resolve("passthrough-" + r + ".log"), passthrough, work));
                        loads.add("after passthrough " + r + ": " + Drains.load());
                    }
                    List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, VARIANTS.size()).boxed().toList());
                    if (round % 2 == 0) {
                        java.util.Collections.reverse(order);
                    }
                    for (int i : order) {
                        drains.add(enrichment(label(i) + " " + r, r + "-" + i, VARIANTS.get(i), bootstrap, registry, redis, prefix,
                                outputs, broker.pid(), work));
                        loads.add("after " + label(i) + " " + r + ": " + Drains.load());
                    }
                    if (round % 2 == 0) {
                        drains.add(Drains.drain("passthrough " + r, REQUESTS, broker.pid(), bootstrap, List.of(out),
                                work.resolve("passthrough-" + r + ".log"), passthrough, work));
                        loads.add("after passthrough " + r + ": " + Drains.load());
                    }
                    mget.add(rawMget(raw, perRequest));
                    loads.add("after raw MGET " + r + ": " + Drains.load());
                }
                print(drains, mget, loads);
            } finally {
                client.shutdown();
            }
        }
    }

    /** Drains the backlog with {@code sluice run enrichment} at {@code variant}'s settings, under a fresh group id. */
    private static Drain enrichment(String what, String tag, String variant, String bootstrap, SchemaRegistryServer registry, RedisServer redis,
                                    String prefix, List<String> outputs, long brokerPid, Path work) throws Exception {
        StageVariant v = StageVariant.parse(variant);
        List<String> command = v.command("enrichment");
        command.addAll(Drains.addressArgs(bootstrap, registry.url(), prefix));
        command.addAll(List.of(
                "--set", CommonKeys.REDIS_URL + "=" + redis.uri(),
                "--set", "enrichment.group.id=" + prefix + "enrichment-" + tag,
                "--set", CommonKeys.HTTP_PORT + "=0"));
        command.addAll(v.setArguments());
        return Drains.drain(what, REQUESTS, brokerPid, bootstrap, outputs, work.resolve("enrichment-" + tag + ".log"), command, work);
    }

    /** One pass of MGETs over {@code keys}, {@link #MGET_KEYS} a call, one in flight: keys/s. */
    private static double rawMget(StatefulRedisConnection<String, byte[]> raw, List<String> keys) {
        long t0 = System.nanoTime();
        long values = 0;
        for (int i = 0; i < keys.size(); i += MGET_KEYS) {
            values += raw.sync().mget(keys.subList(i, Math.min(keys.size(), i + MGET_KEYS)).toArray(String[]::new)).size();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (values != keys.size()) {
            throw new IllegalStateException("MGET answered " + values + " values for " + keys.size() + " keys");
        }
        return keys.size() / seconds;
    }

    /** Admitted requests as admission publishes them: user {@code n % 10,000}, prompt {@code n % 2,000}. */
    private static void fill(String bootstrap, TopicCatalog catalog) {
        Map<String, Object> p = Drains.backlogProducer(bootstrap);
        long t0 = System.nanoTime();
        try (KafkaProducer<String, AdmittedRequest> producer = new KafkaProducer<>(p, catalog.admitted().keySerde().serializer(),
                catalog.admitted().valueSerde().serializer())) {
            for (int n = 0; n < REQUESTS; n++) {
                String user = "user-" + (n % USERS);
                Instant at = Instant.now();
                String prompt = "summarise the quarterly report for region " + (n % DISTINCT) + ", then list three risks and"
                        + " three opportunities in plain words for the board, each with one sentence of evidence";
                AdmittedRequest admitted = AdmittedRequest.newBuilder()
                        .setRequest(Requests.request(user, Requests.DEFAULT_MODEL, prompt, 64, at))
                        .setTier("PRO").setEstimatedInputTokens(48).setReservedMicros(5_000).setAdmittedAt(at).build();
                producer.send(new ProducerRecord<>(catalog.admitted().name(), user, admitted));
            }
        }
        System.out.printf("backlog: %,d admitted requests of %,d users, %,d distinct prompts, written in %.1f s%n",
                REQUESTS, USERS, DISTINCT, (System.nanoTime() - t0) / 1e9);
    }

    private static void print(List<Drain> drains, List<Double> mget, List<String> loads) {
        System.out.printf("%n=== DeployedEnrichmentBenchmark: %,d admitted requests, every embedding in Redis; stage, broker and Redis"
                + " each their own process ===%n", REQUESTS);
        System.out.println("machine load (uptime): " + String.join("; ", loads));
        Drains.printRates(drains, 52);
        for (int round = 1; round <= ROUNDS; round++) {
            String r = " r" + round;
            Drain pt = Drains.find(drains, "passthrough" + r);
            double raw = mget.get(round - 1);
            System.out.printf("round %d:%n", round);
            for (int i = 0; i < VARIANTS.size(); i++) {
                Drain en = Drains.find(drains, label(i) + r);
                System.out.printf(" %s%n", label(i));
                System.out.printf("  enrichment / passthrough, warm 2nd half    %6.2f  (%,.0f / %,.0f)%n", en.warm() / pt.warm(), en.warm(), pt.warm());
                System.out.printf("  enrichment / passthrough, whole drain      %6.2f  (%,.0f / %,.0f)%n", en.whole() / pt.whole(), en.whole(), pt.whole());
                System.out.printf("  P3 as deployed: enrichment warm / raw MGET %6.2f  (%,.0f records/s / %,.0f keys/s from another JVM;"
                        + " the in-process goal >= 0.7)%n", en.warm() / raw, en.warm(), raw);
            }
        }
    }

    /** "enrichment", or "enrichment[variant]". */
    private static String label(int i) {
        return "enrichment" + (VARIANTS.get(i).equals("default") ? "" : "[" + VARIANTS.get(i) + "]");
    }

}
