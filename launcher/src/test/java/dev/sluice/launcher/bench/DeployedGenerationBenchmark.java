package dev.sluice.launcher.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.common.CommonKeys;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.embedded.FreePorts;
import dev.sluice.generation.GenerationConfig;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.Requests;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * P5b as deployed: {@code java -jar target/sluice.jar run generation} as its own JVM (every setting at its default
 * except the addresses, the topic prefix, a fresh instance id, the simulated provider's latency of exactly 500 ms and
 * the response cache off, as in the in-process {@code GenerationBenchmark}: every request reaches the provider), on
 * a broker in another JVM ({@link BrokerProcess}), with the test kit's Redis and registry. This JVM fills
 * {@code llm.enriched} with the requests, counts the results ({@code read_committed}) and, as the same-run baseline,
 * times a bare lettuce GET against the same Redis every 2 ms. At the end of each drain it reads the stage's own
 * overhead percentiles and GC pauses from its {@code /metrics}: Micrometer's percentiles cover a decaying window of
 * the last 80-120 s, so a drain of at least ~150 s (the default 80,000 requests at 256 in flight take ~160 s)
 * reports the warm stage, not its start. Prints, asserts nothing.
 * Size: {@code -Dbench.deployed.generation.requests} (80,000); variants {@code -Dbench.deployed.generation.variants}
 * ({@code ;} between variants, each a {@link StageVariant}: "default" = none, {@code jar=<path>} another build,
 * {@code cds=<archive>} the start-up archive, {@code jvm=<flag>}, key=value),
 * alternating order per round ({@code -Dbench.deployed.generation.rounds}, 1).
 * Run: {@code ./mvnw -Pbench -o -pl launcher -am verify -Dit.test=DeployedGenerationBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class DeployedGenerationBenchmark {
    private static final int REQUESTS = Integer.getInteger("bench.deployed.generation.requests", 80_000);
    private static final int ROUNDS = Integer.getInteger("bench.deployed.generation.rounds", 1);
    /**
     * A drain of 20,000 requests before round 1 that is not counted ({@code -Dbench.deployed.generation.warmup=false}
     * skips it): the first drain against a fresh broker JVM measured p99 5.0 ms where the same build later measured
     * 1.8 ms (2026-12-02).
     */
    private static final boolean WARM_UP = Boolean.parseBoolean(System.getProperty("bench.deployed.generation.warmup", "true"));
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.deployed.generation.variants", "default").split(";"));
    private static final long LATENCY_MS = 500;
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{([^}]*)\\} ([0-9.eE+-]+)$");

    /** One drain: its rate over the second half, and what the stage and the probe said at its end. */
    record Drain(String what, double warmPerSecond, Map<String, Double> stage, double probeP50, double probeP99, long probes) {}

    @Test
    void benchmark(SchemaRegistryServer registry, RedisServer redis, @TempDir Path tmp) throws Exception {
        Path work = Paths.get("target", "bench-deployed-generation").toAbsolutePath();
        Files.createDirectories(work);
        List<String> loads = new ArrayList<>();
        loads.add("start " + Drains.load());
        try (ChildProcess broker = BrokerProcess.start(work, tmp, List.of())) {
            String bootstrap = BrokerProcess.awaitBootstrap(broker, work);
            List<Drain> drains = new ArrayList<>();
            if (WARM_UP) {
                String prefix = SluiceInfra.uniquePrefix("deployed-gen-warm-up");
                TopicCatalog catalog = catalog(bootstrap, registry, prefix);
                fill(bootstrap, catalog, REQUESTS / 4);
                drain("warm-up (not counted)", "default", REQUESTS / 4, bootstrap, registry, redis, prefix, catalog, tmp, work);
                loads.add("after the warm-up: " + Drains.load());
            }
            for (int round = 1; round <= ROUNDS; round++) {
                List<String> order = new ArrayList<>(VARIANTS);
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (String variant : order) {
                    redis.flushAll();
                    String label = "generation" + (variant.equals("default") ? "" : "[" + variant + "]") + " r" + round;
                    // a fresh topic set per drain: each stage starts on an empty ledger and a full backlog
                    String prefix = SluiceInfra.uniquePrefix("deployed-gen");
                    TopicCatalog catalog = catalog(bootstrap, registry, prefix);
                    fill(bootstrap, catalog, REQUESTS);
                    drains.add(drain(label, variant, REQUESTS, bootstrap, registry, redis, prefix, catalog, tmp, work));
                    loads.add("after " + label + ": " + Drains.load());
                }
            }
            print(drains, loads);
        }
    }

    private static Drain drain(String what, String variant, int requests, String bootstrap, SchemaRegistryServer registry, RedisServer redis,
                               String prefix, TopicCatalog catalog, Path tmp, Path work) throws Exception {
        StageVariant v = StageVariant.parse(variant);
        int port = FreePorts.next();
        List<String> command = v.command("generation");
        command.addAll(Drains.addressArgs(bootstrap, registry.url(), prefix));
        command.addAll(List.of(
                "--set", CommonKeys.REDIS_URL + "=" + redis.uri(),
                "--set", CommonKeys.STATE_DIR + "=" + tmp.resolve("gen-" + prefix),
                "--set", CommonKeys.HTTP_PORT + "=" + port,
                "--set", CommonKeys.PROVIDER + "=simulated",
                "--set", GenerationConfig.SIMULATED_LATENCY_MS + "=" + LATENCY_MS,
                "--set", GenerationConfig.CACHE_ENABLED + "=false"));
        command.addAll(v.setArguments());
        Path log = work.resolve(prefix + ".log");
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Probe probe = new Probe(redis.uri());
        try (KafkaConsumer<byte[], byte[]> observer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             ChildProcess stage = ChildProcess.start(what, command, work, log)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(catalog.results().name(), catalog.dlq().name())) {
                observer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            observer.assign(partitions);
            observer.seekToBeginning(partitions);
            probe.start();
            long seen = 0;
            long half = 0;
            Map<String, Long> byTopic = new LinkedHashMap<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            while (seen < requests) {
                if (!stage.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " stopped after " + seen + " of " + requests + "; log tail:\n" + stage.logTail());
                }
                var records = observer.poll(Duration.ofMillis(50));
                for (var rec : records) {
                    byTopic.merge(rec.topic(), 1L, Long::sum);
                }
                if (seen < requests / 2 && seen + records.count() >= requests / 2) {
                    half = System.nanoTime();
                }
                seen += records.count();
            }
            double warm = (requests - requests / 2) / ((System.nanoTime() - half) / 1e9);
            probe.stop();
            Map<String, Double> stageMeters = scrape(port);
            Drain d = new Drain(what, warm, stageMeters, probe.percentile(0), probe.percentile(1), probe.count());
            System.out.printf("%-60s %,.0f results/s warm %s; stage %s%n", what, warm, byTopic, stageMeters);
            return d;
        }
    }

    /** The stage's overhead percentiles (ms) and GC pause count, total and longest (ms) from its Prometheus endpoint. */
    private static Map<String, Double> scrape(int port) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            String name = m.group(1);
            String labels = m.group(2);
            double value = Double.parseDouble(m.group(3));
            String quantile = label(labels, "quantile");
            if (name.equals("sluice_generation_overhead_seconds") && quantile != null) {
                out.put("overhead p" + pct(quantile), value * 1000);
            } else if (name.equals("sluice_generation_overhead_phase_seconds") && quantile != null) {
                out.put(label(labels, "phase") + " p" + pct(quantile), value * 1000);
            } else if (name.equals("jvm_gc_pause_seconds_count")) {
                out.merge("gc pauses", value, Double::sum);
            } else if (name.equals("jvm_gc_pause_seconds_sum")) {
                out.merge("gc ms", value * 1000, Double::sum);
            } else if (name.equals("jvm_gc_pause_seconds_max")) {
                out.merge("gc longest ms (recent)", value * 1000, Math::max);
            }
        }
        return out;
    }

    private static String pct(String quantile) {
        return quantile.equals("0.5") ? "50" : quantile.equals("0.99") ? "99" : quantile;
    }

    private static String label(String labels, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(labels);
        return m.find() ? m.group(1) : null;
    }

    private static TopicCatalog catalog(String bootstrap, SchemaRegistryServer registry, String prefix) throws Exception {
        TopicCatalog catalog = Drains.catalog(bootstrap, registry.url(), prefix);
        try (Admin admin = Drains.admin(bootstrap)) {
            Topics.createAll(admin, catalog, (short) 1);
        }
        return catalog;
    }

    /** Admitted, enriched requests of 1,000 users, one user message each, as enrichment would publish them. */
    private static void fill(String bootstrap, TopicCatalog catalog, int requests) {
        Map<String, Object> p = Drains.backlogProducer(bootstrap);
        try (KafkaProducer<String, EnrichedRequest> producer = new KafkaProducer<>(p, catalog.enriched().keySerde().serializer(),
                catalog.enriched().valueSerde().serializer())) {
            for (int n = 0; n < requests; n++) {
                String user = "user-" + (n % 1_000);
                Instant at = Instant.now();
                AdmittedRequest admitted = AdmittedRequest.newBuilder()
                        .setRequest(Requests.request(user, Requests.DEFAULT_MODEL, "summarise the quarterly report, item " + n, 64, at))
                        .setTier("PRO").setEstimatedInputTokens(16).setReservedMicros(5_000).setAdmittedAt(at).build();
                producer.send(new ProducerRecord<>(catalog.enriched().name(), user, EnrichedRequest.newBuilder().setAdmitted(admitted)
                        .setEmbeddingModel("all-minilm-l6-v2").setEmbedding(List.of()).setEmbeddingSource(EmbeddingSource.SKIPPED)
                        .setEnrichedAt(at).build()));
            }
        }
    }

    private static void print(List<Drain> drains, List<String> loads) {
        System.out.printf("%n=== DeployedGenerationBenchmark: %,d requests per drain, simulated provider %d ms, cache off, every setting"
                + " else at its default (256 in flight); stage and broker each their own JVM ===%n", REQUESTS, LATENCY_MS);
        System.out.println("machine load (uptime): " + String.join("; ", loads));
        for (Drain d : drains) {
            Map<String, Double> s = d.stage();
            System.out.printf("%s: %,.0f results/s warm (ideal %,.0f)%n", d.what(), d.warmPerSecond(), 256 * 1000.0 / LATENCY_MS);
            System.out.printf("  P5b added overhead p50 %.2f / p99 %.2f ms (goal p99 <= 5 ms); phases: store %.2f / %.2f, dispatch %.2f / %.2f,"
                            + " call %.2f / %.2f ms%n", s.getOrDefault("overhead p50", Double.NaN), s.getOrDefault("overhead p99", Double.NaN),
                    s.getOrDefault("store p50", Double.NaN), s.getOrDefault("store p99", Double.NaN),
                    s.getOrDefault("dispatch p50", Double.NaN), s.getOrDefault("dispatch p99", Double.NaN),
                    s.getOrDefault("call p50", Double.NaN), s.getOrDefault("call p99", Double.NaN));
            System.out.printf("  baseline: bare lettuce GET from the benchmark's JVM to the same Redis during the drain (%,d probes): p50 %.2f /"
                    + " p99 %.2f ms; overhead p99 / bare GET p99 = %.1f%n", d.probes(), d.probeP50(), d.probeP99(),
                    s.getOrDefault("overhead p99", Double.NaN) / d.probeP99());
            System.out.printf("  the stage's GC over its life: %.0f pauses, %.0f ms in total, longest recent %.0f ms%n",
                    s.getOrDefault("gc pauses", Double.NaN), s.getOrDefault("gc ms", Double.NaN), s.getOrDefault("gc longest ms (recent)", Double.NaN));
        }
    }

    /** A bare GET every 2 ms on its own connection; percentiles over the whole drain. */
    static final class Probe {
        private final String uri;
        private final Timer rtt = Timer.builder("probe").publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(Duration.ofHours(1)).register(new SimpleMeterRegistry());
        private volatile boolean running = true;
        private Thread thread;

        Probe(String uri) {
            this.uri = uri;
        }

        void start() {
            thread = new Thread(() -> {
                RedisClient client = RedisClient.create(uri);
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    while (running) {
                        long t0 = System.nanoTime();
                        c.sync().get("probe");
                        rtt.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                        Thread.sleep(2);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    client.shutdown();
                }
            }, "redis-probe");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }

        long count() {
            return rtt.count();
        }

        double percentile(int index) {
            return rtt.takeSnapshot().percentileValues()[index].value(TimeUnit.MILLISECONDS);
        }
    }
}
