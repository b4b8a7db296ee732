package dev.sluice.generation;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.common.SluiceConfig;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.provider.SimulatedProvider;
import dev.sluice.generation.provider.SimulatedSettings;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * P5: throughput ÷ (concurrency ÷ simulated latency) and the stage's added overhead p50/p99, at 500 ms latency.
 * P6: this stage ÷ the same simulated provider called synchronously in a Kafka Streams processor.
 * Run: {@code ./mvnw -Pbench -o -pl generation verify}. Real broker, registry and Redis from the test kit.
 */
@ExtendWith(SluiceInfra.class)
class GenerationBenchmark {
    static final long LATENCY_MS = 500;
    static final int CONCURRENCY = 256;
    static final int REQUESTS = 8000;
    static final int BASELINE_REQUESTS = 10;

    @Test
    void measure(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        warmUp(kafka, registry, redis);
        Fixture f = new Fixture(kafka, registry, redis, "gen-bench", 6);
        produce(f, REQUESTS);
        SluiceConfig config = SluiceConfig.of(f.config(Map.of("provider", "simulated",
                "simulated.latency.ms", Long.toString(LATENCY_MS), "generation.max.in.flight", Integer.toString(CONCURRENCY),
                "generation.cache.enabled", "false", "generation.instance.id", "bench")));
        double throughput;
        double p50;
        double p99;
        try (TopicReader results = f.results();
             GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry())) {
            stage.start();
            long[] at = new long[2];
            await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(5)).until(() -> {
                int n = results.total();
                if (at[0] == 0 && n >= REQUESTS / 10) at[0] = System.nanoTime();
                if (at[1] == 0 && n >= REQUESTS * 9 / 10) at[1] = System.nanoTime();
                return n >= REQUESTS;
            });
            throughput = (REQUESTS * 0.8) / ((at[1] - at[0]) / 1e9);
            ValueAtPercentile[] pct = stage.metrics().overheadTimer().takeSnapshot().percentileValues();
            p50 = pct[0].value(java.util.concurrent.TimeUnit.MILLISECONDS);
            p99 = pct[1].value(java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        double ideal = CONCURRENCY / (LATENCY_MS / 1000.0);

        double baseline = streamsBaseline(kafka, registry, redis);
        System.out.printf("%n=== GenerationBenchmark (%d requests, concurrency %d, simulated latency %d ms) ===%n",
                REQUESTS, CONCURRENCY, LATENCY_MS);
        System.out.printf("P5 throughput %.1f req/s, ideal %.1f req/s, ratio %.3f (goal >= 0.9)%n", throughput, ideal, throughput / ideal);
        System.out.printf("P5 added overhead p50 %.2f ms, p99 %.2f ms (goal p99 <= 5 ms)%n", p50, p99);
        System.out.printf("P6 Streams-synchronous baseline %.2f req/s (%d requests); ratio %.1fx (goal >= 100x)%n%n",
                baseline, BASELINE_REQUESTS, throughput / baseline);
    }

    /** A short run in a separate stage so JIT and connections are warm; its meters are discarded. */
    private static void warmUp(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) {
        Fixture f = new Fixture(kafka, registry, redis, "gen-bench-warmup", 6);
        produce(f, 2000);
        SluiceConfig config = SluiceConfig.of(f.config(Map.of("provider", "simulated", "simulated.latency.ms", "100",
                "generation.max.in.flight", Integer.toString(CONCURRENCY), "generation.instance.id", "bench-warmup")));
        try (TopicReader results = f.results(); GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry())) {
            stage.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> results.total() >= 2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void produce(Fixture f, int n) {
        try (var producer = f.producer()) {
            for (int i = 0; i < n; i++) {
                String id = UUID.randomUUID().toString();
                String user = "user-" + (i % 100);
                producer.send(new ProducerRecord<>(f.catalog.enriched().name(), user.getBytes(StandardCharsets.UTF_8),
                        f.encode(Requests.enriched(id, user, "gpt-4o-mini", "question " + id))));
            }
        }
    }

    /** The same provider, called and waited for inside a Streams processor (one stream thread, as by default). */
    private static double streamsBaseline(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-bench-baseline", 6);
        produce(f, BASELINE_REQUESTS);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        SimulatedProvider provider = new SimulatedProvider(SimulatedSettings.fixed(LATENCY_MS), scheduler);
        AtomicInteger done = new AtomicInteger();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(f.catalog.enriched().name(), Consumed.with(Serdes.ByteArray(), f.catalog.enriched().valueSerde()))
                .mapValues((EnrichedRequest r) -> {
                    var completion = provider.complete(CompletionRequest.of(r.getAdmitted().getRequest())).join();
                    long now = System.nanoTime();
                    first.compareAndSet(0, now);
                    last.set(now);
                    done.incrementAndGet();
                    return completion.content();
                });
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, f.prefix + "baseline");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, f.kafka.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, SluiceInfra.workDir("streams").toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put("consumer.auto.offset.reset", "earliest");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> done.get() >= BASELINE_REQUESTS);
        } finally {
            scheduler.shutdownNow();
        }
        return (done.get() - 1) / ((last.get() - first.get()) / 1e9);
    }
}
