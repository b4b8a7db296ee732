package dev.sluice.generation;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.serde.AvroDeserializer;
import dev.sluice.schema.GenerationResult;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a slow call costs the answers behind it: requests sent at a fixed rate to generation (simulated provider,
 * latency uniform in 500 ± 450 ms, as real generations vary), each timed from its send to its result being visible to
 * a read_committed reader, with {@code generation.publish.ahead} on (the default: an answer goes out at the next
 * commit) and off (an answer waits for every call before it in its partition), alternated per round in the same run.
 * Run: {@code ./mvnw -Pbench -o -pl generation verify -Dit.test=GenerationAheadBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}. Prints a table; asserts nothing.
 */
@ExtendWith(SluiceInfra.class)
class GenerationAheadBenchmark {
    static final int RATE = Integer.getInteger("bench.ahead.rate", 200);
    static final int SECONDS = Integer.getInteger("bench.ahead.seconds", 30);
    static final int ROUNDS = Integer.getInteger("bench.ahead.rounds", 2);
    static final long LATENCY_MS = Long.getLong("bench.ahead.latency.ms", 500);
    static final long SPREAD_MS = Long.getLong("bench.ahead.spread.ms", 450);
    static final int PARTITIONS = 6;
    static final int USERS = 64;

    @Test
    void measure(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        List<String> lines = new ArrayList<>();
        run(kafka, registry, redis, true, RATE, 10, "warm-up"); // JIT and connections, not counted
        for (int round = 1; round <= ROUNDS; round++) {
            boolean[] order = round % 2 == 1 ? new boolean[] {true, false} : new boolean[] {false, true};
            long[][] row = new long[2][];
            for (boolean ahead : order) {
                row[ahead ? 0 : 1] = run(kafka, registry, redis, ahead, RATE, SECONDS, "round " + round);
            }
            lines.add(String.format("round %d | ahead on  | %s%nround %d | ahead off | %s%nround %d | off ÷ on: p50 ×%.2f, p99 ×%.2f",
                    round, describe(row[0]), round, describe(row[1]), round,
                    (double) pct(row[1], 50) / Math.max(1, pct(row[0], 50)), (double) pct(row[1], 99) / Math.max(1, pct(row[0], 99))));
        }
        System.out.printf("%n=== GenerationAheadBenchmark: %d req/s for %d s, %d partitions, %d users, simulated latency %d ± %d ms,"
                + " send → result visible (read_committed), ms; load average %s ===%n", RATE, SECONDS, PARTITIONS, USERS,
                LATENCY_MS, SPREAD_MS, GenerationBenchmark.loadAverage());
        lines.forEach(System.out::println);
    }

    /** One drain: requests at {@code rate} for {@code seconds}; returns each request's send → visible time, ms, sorted. */
    private static long[] run(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis, boolean ahead, int rate,
                              int seconds, String label) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-ahead-bench", PARTITIONS);
        SluiceConfig config = SluiceConfig.of(f.config(Map.of("provider", "simulated",
                "simulated.latency.ms", Long.toString(LATENCY_MS), "simulated.latency.spread.ms", Long.toString(SPREAD_MS),
                "generation.cache.enabled", "false", "generation.publish.ahead", Boolean.toString(ahead),
                "generation.rate.limit.per.second", "1000000", "generation.instance.id", "ahead-bench")));
        int n = rate * seconds;
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> visible = new ConcurrentHashMap<>();
        AvroDeserializer<GenerationResult> results = new AvroDeserializer<>(new SchemaRegistryClient(registry.url()), GenerationResult.class);
        Thread reader = new Thread(() -> read(f, results, visible, n), "ahead-bench-reader");
        try (GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry());
             KafkaProducer<byte[], byte[]> producer = f.producer()) {
            reader.start();
            stage.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> stage.health().ready());
            long start = System.nanoTime();
            long period = 1_000_000_000L / rate;
            for (int i = 0; i < n; i++) {
                LockSupport.parkNanos(start + i * period - System.nanoTime());
                String id = UUID.randomUUID().toString();
                String user = "user-" + (i % USERS);
                sent.put(id, System.nanoTime());
                producer.send(new ProducerRecord<>(f.catalog.enriched().name(), user.getBytes(StandardCharsets.UTF_8),
                        f.encode(Requests.enriched(id, user, "gpt-4o-mini", "question " + id))));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> visible.size() >= n);
        } finally {
            reader.interrupt();
            reader.join(10_000);
        }
        long[] ms = sent.entrySet().stream().filter(e -> visible.containsKey(e.getKey()))
                .mapToLong(e -> (visible.get(e.getKey()) - e.getValue()) / 1_000_000).sorted().toArray();
        System.out.printf("%s, publish ahead %s: %s%n", label, ahead ? "on" : "off", describe(ms));
        return ms;
    }

    private static void read(Fixture f, AvroDeserializer<GenerationResult> results, Map<String, Long> visible, int n) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, f.kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5,
                ConsumerConfig.GROUP_ID_CONFIG, f.prefix + "ahead-bench-reader"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(f.catalog.results().name()));
            while (visible.size() < n && !Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    visible.putIfAbsent(results.deserialize(r.topic(), r.value()).getRequestId(), System.nanoTime());
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? -1 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
    }

    private static String describe(long[] sorted) {
        return String.format("p50 %d, p90 %d, p99 %d, max %d ms (%d results)", pct(sorted, 50), pct(sorted, 90), pct(sorted, 99),
                sorted.length == 0 ? -1 : sorted[sorted.length - 1], sorted.length);
    }
}
