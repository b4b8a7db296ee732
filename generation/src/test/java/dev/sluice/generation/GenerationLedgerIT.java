package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.SluiceConfig;
import dev.sluice.generation.store.InMemoryGenerationStore;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Kafka ledger, not Redis, decides whether a request was paid for: re-sent requests are not called again
 * after Redis lost everything, nor by another instance that never saw them and has no Redis at all (what a replay
 * days later, after every Redis TTL expired, looks like).
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class GenerationLedgerIT {
    private static final int N = 60;

    @Test
    void shouldNeverCallAgainForAnAnsweredRequestWhenRedisIsEmptiedOrAnotherInstanceHasNoRedis(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-ledger", 3);
        List<ProducerRecord<byte[], byte[]>> records = requests(f, N, "ledger");
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader costs = f.costs()) {
            Map<String, String> base = Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.cache.enabled", "false", "kafka.session.timeout.ms", "6000");
            try (GenerationStage first = new GenerationStage(SluiceConfig.of(f.config(with(base, "generation.instance.id", "ledger-a"))),
                    f.catalog, new SimpleMeterRegistry())) {
                first.start();
                send(f, records);
                await().atMost(Duration.ofSeconds(90)).until(() -> results.distinct() == N && costs.distinct() == N);
                assertThat(mock.callCount()).isEqualTo(N);

                redis.flushAll(); // every done entry and cached answer gone
                send(f, records);
                awaitConsumed(f, 2 * N);
            }
            assertThat(mock.callCount()).as("Redis emptied, same requests again").isEqualTo(N);

            // another instance, no Redis at all: only the ledger in Kafka can know
            try (GenerationStage second = new GenerationStage(SluiceConfig.of(f.config(with(base, "generation.instance.id", "ledger-b"))),
                    f.catalog, new SimpleMeterRegistry(), java.time.Clock.systemUTC(), null, new InMemoryGenerationStore())) {
                second.start();
                send(f, records);
                awaitConsumed(f, 3 * N);
            }
            assertThat(mock.callCount()).as("a later replay with no Redis memory").isEqualTo(N);
            assertThat(results.total()).isEqualTo(N);
            assertThat(costs.total()).isEqualTo(N);
            assertThat(results.duplicates()).isEmpty();
        }
    }

    /**
     * A ledger too large to read within {@code generation.ledger.load.timeout.ms} still loads, a slice at a time between
     * the loop's polls, and still decides: the answered requests are not called again, the new ones are. Until
     * 2026-12-07 the load gave up at the timeout and began again from the start a second later, so a ledger that took
     * longer to read (at 100 requests/s its 40 days hold ~350,000,000 records) was never loaded and its partitions never
     * answered again. Here 1,500,000 answered requests are in the ledger and the timeout is 500 ms.
     */
    @Test
    void shouldLoadALedgerThatTakesLongerToReadThanTheLoadTimeoutAndStillNeverCallAgain(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-big-ledger", 3);
        List<ProducerRecord<byte[], byte[]>> answered = requests(f, N, "answered");
        List<ProducerRecord<byte[], byte[]>> fresh = requests(f, 40, "fresh");
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results()) {
            Map<String, String> base = Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.cache.enabled", "false", "kafka.session.timeout.ms", "6000");
            try (GenerationStage first = new GenerationStage(SluiceConfig.of(f.config(with(base, "generation.instance.id", "big-a"))),
                    f.catalog, new SimpleMeterRegistry())) {
                first.start();
                send(f, answered);
                await().atMost(Duration.ofSeconds(90)).until(() -> results.distinct() == N);
            }
            fillLedger(f, 1_500_000);

            Map<String, String> slow = with(base, "generation.instance.id", "big-b");
            slow.put("generation.ledger.load.timeout.ms", "500");
            try (GenerationStage second = new GenerationStage(SluiceConfig.of(f.config(slow)), f.catalog, new SimpleMeterRegistry(),
                    java.time.Clock.systemUTC(), null, new InMemoryGenerationStore())) {
                second.start();
                send(f, answered);
                send(f, fresh);
                await("the new requests answered once the ledger is loaded").atMost(Duration.ofSeconds(120))
                        .until(() -> results.distinct() == N + fresh.size());
                awaitConsumed(f, 2L * N + fresh.size());
            }
            assertThat(mock.callCount()).as("the answered requests not called again, the new ones called once").isEqualTo(N + fresh.size());
            assertThat(results.duplicates()).isEmpty();
        }
    }

    /** {@code n} enriched requests of seven users, ids tagged {@code tag}. */
    private static List<ProducerRecord<byte[], byte[]>> requests(Fixture f, int n, String tag) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            String user = "user-" + (i % 7);
            records.add(new ProducerRecord<>(f.catalog.enriched().name(), user.getBytes(StandardCharsets.UTF_8),
                    f.encode(Requests.enriched(id, user, "gpt-4o-mini", tag + " question " + id))));
        }
        return records;
    }

    /** {@code n} ledger records of other answered requests, spread over the ledger's partitions as generation writes them. */
    private static void fillLedger(Fixture f, int n) {
        try (KafkaProducer<byte[], byte[]> producer = f.producer()) {
            for (int i = 0; i < n; i++) {
                String user = "tenant-" + (i % 1000);
                byte[] key = (user.length() + ":" + user + ":" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(f.catalog.generationLedger().name(), i % f.partitions, key, new byte[] {1}));
            }
        }
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> out = new java.util.HashMap<>(base);
        out.put(key, value);
        return out;
    }

    private static void send(Fixture f, List<ProducerRecord<byte[], byte[]>> records) {
        try (KafkaProducer<byte[], byte[]> producer = f.producer()) {
            records.forEach(producer::send);
        }
    }

    /** Waits until the group committed offsets past {@code n} enriched records: every copy was decided. */
    private static void awaitConsumed(Fixture f, long n) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> Offsets.committed(f, f.prefix + "generation") >= n);
    }
}
