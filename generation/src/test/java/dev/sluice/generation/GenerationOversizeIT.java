package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.SluiceConfig;
import dev.sluice.schema.DeadLetter;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No record can stop the stage: a result larger than the producer's max.request.size would fail every transaction
 * forever. It becomes a dead letter OUTPUT_TOO_LARGE (its cost still published: the call was paid), and the next
 * request behind it is answered.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class GenerationOversizeIT {
    private static final String SECRET_PROMPT = "Oversize memo: the heron budget line is confidential";

    @Test
    void shouldDeadLetterAResultTooLargeToPublishAndKeepGoing(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis)
            throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-oversize", 1);
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader costs = f.costs();
             TopicReader dlq = f.dlq()) {
            SluiceConfig config = SluiceConfig.of(f.config(Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.instance.id", "oversize", "kafka.max.request.size", "65536")));
            try (GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry())) {
                stage.start();
                String bigId = UUID.randomUUID().toString();
                EnrichedRequest big = Requests.enriched(bigId, "alice", "gpt-4o-mini", SECRET_PROMPT);
                // metadata is copied onto the result: 100 KB of it makes the result too large for a 64 KiB limit
                big.getAdmitted().getRequest().setMetadata(Map.of("blob", "x".repeat(100_000)));
                f.produce("alice", f.encode(big));
                String nextId = UUID.randomUUID().toString();
                f.produce("alice", f.encode(Requests.enriched(nextId, "alice", "gpt-4o-mini", "a small one")));

                await().atMost(Duration.ofSeconds(90)).until(() -> results.count(nextId) == 1 && dlq.total() == 1);
                assertThat(results.count(bigId)).isZero();
                assertThat(costs.count(bigId)).as("the call was paid: its cost is published").isEqualTo(1);
                assertThat(mock.callCount()).isEqualTo(2);
                ConsumerRecord<byte[], byte[]> letter = dlq.records().get(0);
                DeadLetter described = DeadLetterHeaders.describe(letter);
                assertThat(described.getErrorClass()).isEqualTo("OUTPUT_TOO_LARGE");
                assertThat(described.getRequestId()).isEqualTo(bigId);
                assertThat(letter.value()).as("the original record is too large to carry along").isNull();
                for (var h : letter.headers()) {
                    assertThat(new String(h.value(), StandardCharsets.UTF_8)).doesNotContain("heron");
                }
                assertThat(stage.health().live()).isTrue();
            }
        }
    }

    /** A provider answer without end (48 MiB, chunked) is not read past the ceiling: a dead letter, and the stage goes on. */
    @Test
    void shouldDeadLetterAProviderAnswerWithoutEndAndKeepGoing(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis)
            throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-huge-answer", 1);
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader dlq = f.dlq()) {
            SluiceConfig config = SluiceConfig.of(f.config(Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.instance.id", "huge-answer")));
            mock.enqueue(dev.sluice.testkit.llm.Fault.hugeBody(200, 48L << 20));
            try (GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry())) {
                stage.start();
                String hugeId = UUID.randomUUID().toString();
                // Prompts of their own: the other test's answers are in the response cache (same Redis), and a cached
                // answer would never reach the provider.
                f.produce("alice", f.encode(Requests.enriched(hugeId, "alice", "gpt-4o-mini", SECRET_PROMPT + " " + hugeId)));
                // The mock gives its scripted fault to whichever call reaches it first: the second request is sent only
                // once the first call has arrived (two calls in flight can reach the mock in either order).
                await().atMost(Duration.ofSeconds(60)).until(() -> mock.callCount() == 1);
                String nextId = UUID.randomUUID().toString();
                f.produce("alice", f.encode(Requests.enriched(nextId, "alice", "gpt-4o-mini", "a small one " + nextId)));

                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    assertThat(results.count(nextId)).as("results of the request behind it").isEqualTo(1);
                    assertThat(dlq.total()).as("dead letters (provider calls: %d, results of the huge one: %d)", mock.callCount(),
                            results.count(hugeId)).isEqualTo(1);
                });
                assertThat(results.count(hugeId)).isZero();
                assertThat(mock.callCount()).as("one call each: an answer that may have been billed is not retried").isEqualTo(2);
                ConsumerRecord<byte[], byte[]> letter = dlq.records().get(0);
                DeadLetter described = DeadLetterHeaders.describe(letter);
                assertThat(described.getErrorClass()).isEqualTo("MALFORMED_RESPONSE");
                assertThat(described.getRequestId()).isEqualTo(hugeId);
                assertThat(described.getMessage()).contains("larger than");
                assertThat(stage.health().live()).isTrue();
            }
        }
    }
}
