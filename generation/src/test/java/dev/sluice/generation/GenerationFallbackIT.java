package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.SluiceConfig;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.DeadLetter;
import dev.sluice.schema.GenerationResult;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fallback chains through the generation stage on a real broker, registry and Redis, with two OpenAI-compatible mocks:
 * the primary (model gpt-4o) and a backup endpoint answering gpt-4o-mini.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class GenerationFallbackIT {
    private static final int N = 100;

    private static Map<String, String> settings(MockLlmServer primary, MockLlmServer backup, String instance) {
        Map<String, String> s = new HashMap<>();
        s.put("provider", "openai");
        s.put("provider.base.url", primary.openAiBaseUrl());
        s.put("provider.api.key", "sk-fallback-it");
        s.put("generation.endpoints", "backup");
        s.put("generation.endpoint.backup.provider", "openai");
        s.put("generation.endpoint.backup.base.url", backup.openAiBaseUrl());
        s.put("generation.fallback.gpt-4o", "gpt-4o-mini@backup");
        s.put("generation.retry.initial.backoff.ms", "10");
        s.put("generation.retry.max.backoff.ms", "20");
        s.put("generation.cache.enabled", "false");
        s.put("generation.instance.id", instance);
        return s;
    }

    @Test
    void shouldCompleteEveryRequestOnTheFallbackWhenThePrimaryFailsAndPayEachOnce(KafkaBroker kafka, SchemaRegistryServer registry,
                                                                                  RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-fallback", 3);
        try (MockLlmServer primary = MockLlmServer.start(); MockLlmServer backup = MockLlmServer.start();
             TopicReader results = f.results(); TopicReader costs = f.costs()) {
            primary.always(Fault.status(503));
            Map<String, byte[]> requests = new LinkedHashMap<>();
            try (var producer = f.producer()) {
                for (int i = 0; i < N; i++) {
                    String id = UUID.randomUUID().toString();
                    String user = "user-" + (i % 10);
                    producer.send(new ProducerRecord<>(f.catalog.enriched().name(), user.getBytes(StandardCharsets.UTF_8),
                            f.encode(Requests.enriched(id, user, "gpt-4o", "question " + id))));
                    requests.put(id, null);
                }
            }
            SluiceConfig config = SluiceConfig.of(f.config(settings(primary, backup, "fallback")));
            try (GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry())) {
                stage.start();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .until(() -> results.distinct() == N && costs.distinct() == N);
            }
            assertThat(results.total()).isEqualTo(N);
            assertThat(costs.total()).isEqualTo(N);
            for (ConsumerRecord<byte[], byte[]> r : results.records()) {
                GenerationResult result = f.decodeResult(r);
                assertThat(result.getModel()).isEqualTo("gpt-4o");
                assertThat(result.getAnsweredModel()).isEqualTo("gpt-4o-mini");
                assertThat(result.getChainAttempts()).last().isEqualTo("gpt-4o-mini@backup answered after 1 calls");
                assertThat(result.getChainAttempts().get(0)).matches("gpt-4o (RETRIES_EXHAUSTED|BREAKER_OPEN) after \\d calls");
            }
            for (ConsumerRecord<byte[], byte[]> r : costs.records()) {
                CostEvent cost = f.decodeCost(r);
                assertThat(cost.getAnsweredModel()).isEqualTo("gpt-4o-mini");
                assertThat(cost.getChainAttempts()).isNotEmpty();
                assertThat(cost.getCostMicros()).isLessThanOrEqualTo(cost.getReservedMicros());
            }
            // Billed calls across both mocks = requests: the backup answered each request exactly once and every primary
            // call was answered 503 (unbilled). All N first attempts reach the primary at once (they are in flight
            // before the fifth failure opens its breaker); the open breaker then stops their retries.
            assertThat(backup.callCount()).isEqualTo(N);
            assertThat(backup.calls().stream().map(MockLlmServer.Call::idempotencyKey).distinct().count()).isEqualTo(N);
            assertThat(primary.calls()).allSatisfy(c -> assertThat(c.fault().status()).isEqualTo(503));
            System.out.printf("FALLBACK %d requests: %d primary calls (all 503), %d backup calls%n", N,
                    primary.callCount(), backup.callCount());
        }
    }

    @Test
    void shouldNotFallBackOnABadRequestFromThePrimary(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis)
            throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-fallback-400", 3);
        try (MockLlmServer primary = MockLlmServer.start(); MockLlmServer backup = MockLlmServer.start();
             TopicReader dlq = f.dlq(); TopicReader results = f.results()) {
            primary.always(Fault.status(400));
            String id = UUID.randomUUID().toString();
            f.produce("alice", f.encode(Requests.enriched(id, "alice", "gpt-4o", "a request every provider would refuse")));
            SluiceConfig config = SluiceConfig.of(f.config(settings(primary, backup, "fallback-400")));
            try (GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry())) {
                stage.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> dlq.total() == 1);
            }
            DeadLetter letter = DeadLetterHeaders.describe(dlq.records().get(0));
            assertThat(letter.getErrorClass()).isEqualTo("INVALID_REQUEST");
            assertThat(primary.callCount()).isEqualTo(1);
            assertThat(backup.callCount()).isZero();
            assertThat(results.total()).isZero();
        }
    }
}
