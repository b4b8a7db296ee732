package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class GenerationIT {
    static final String KEY = "sk-it-THISKEYMUSTNEVERLEAK42";
    static final String PROMPT = "Internal memo: \"project heron\" ships on friday\nkeep this between us please";

    @Test
    void shouldPublishExactlyOneResultAndOneCostEventPerRequest(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis)
            throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-once", 6);
        int n = 2000;
        Map<String, byte[]> requests = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            requests.put("user-" + (i % 50) + "|" + id, f.encode(Requests.enriched(id, "user-" + (i % 50), "gpt-4o-mini", "question " + id)));
        }
        try (var producer = f.producer()) {
            requests.forEach((k, v) -> producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                    f.catalog.enriched().name(), k.substring(0, k.indexOf('|')).getBytes(StandardCharsets.UTF_8), v)));
        }
        SluiceConfig config = SluiceConfig.of(f.config(Map.of("provider", "simulated", "simulated.latency.ms", "200",
                "generation.max.in.flight", "200")));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (TopicReader results = f.results(); TopicReader costs = f.costs();
             GenerationStage stage = new GenerationStage(config, f.catalog, meters)) {
            stage.start();
            int[] maxInFlight = {0};
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> {
                maxInFlight[0] = Math.max(maxInFlight[0], stage.metrics().inFlight());
                return results.distinct() == n && costs.distinct() == n && Offsets.committed(f, f.prefix + "generation") == n;
            });
            // every input consumed and committed: read everything the stage committed, a late duplicate included
            results.awaitEverythingCommitted(Duration.ofSeconds(60));
            costs.awaitEverythingCommitted(Duration.ofSeconds(60));
            assertThat(results.total()).isEqualTo(n);
            assertThat(costs.total()).isEqualTo(n);
            assertThat(results.duplicates()).isEmpty();
            assertThat(maxInFlight[0]).isLessThanOrEqualTo(200).isGreaterThan(50);
            assertThat(stage.health().live()).isTrue();
            ConsumerRecord<byte[], byte[]> anyCost = costs.records().get(0);
            CostEvent cost = f.decodeCost(anyCost);
            assertThat(new String(anyCost.key(), StandardCharsets.UTF_8)).isEqualTo(cost.getUserId());
            assertThat(cost.getReservedMicros()).isEqualTo(Requests.RESERVED_MICROS);
            assertThat(cost.getCostMicros()).isPositive();
            assertThat(meters.counter("sluice.generation.outcomes", "outcome", "success").count()).isEqualTo(n);
        }
    }

    @Test
    void shouldDeadLetterSanitisedServeTheCacheAndNeverEmitASecondResultForACommittedRequest(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-paths", 3);
        try (MockLlmServer mock = MockLlmServer.start(); LogCapture logs = new LogCapture();
             TopicReader results = f.results(); TopicReader costs = f.costs(); TopicReader dlq = f.dlq()) {
            mock.always(Fault.echoSecrets(400));
            SluiceConfig config = SluiceConfig.of(f.config(Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "provider.api.key", KEY, "generation.instance.id", "paths")));
            try (GenerationStage stage = new GenerationStage(config, f.catalog, new SimpleMeterRegistry())) {
                stage.start();
                // 1. a non-retriable error whose body echoes key, bearer token and prompt: dead-lettered at once, clean
                String badId = UUID.randomUUID().toString();
                byte[] badBytes = f.encode(Requests.enriched(badId, "alice", "gpt-4o-mini", PROMPT));
                RecordMetadata badAt = f.produce("alice", badBytes);
                await().atMost(Duration.ofSeconds(60)).until(() -> dlq.total() == 1);
                ConsumerRecord<byte[], byte[]> letter = dlq.records().get(0);
                DeadLetter described = DeadLetterHeaders.describe(letter);
                assertThat(described.getStage()).isEqualTo("generation");
                assertThat(described.getErrorClass()).isEqualTo("INVALID_REQUEST");
                assertThat(described.getAttempts()).isEqualTo(1);
                assertThat(described.getRequestId()).isEqualTo(badId);
                assertThat(described.getOriginalTopic()).isEqualTo(f.catalog.enriched().name());
                assertThat(described.getOriginalPartition()).isEqualTo(badAt.partition());
                assertThat(described.getOriginalOffset()).isEqualTo(badAt.offset());
                assertThat(letter.value()).isEqualTo(badBytes);
                assertThat(mock.callCount()).isEqualTo(1);
                for (var h : letter.headers()) {
                    assertNoSecret(new String(h.value(), StandardCharsets.UTF_8));
                }

                // 2. a result, then the same prompt again from the cache, then a replay of the first request
                mock.always(Fault.none());
                String firstId = UUID.randomUUID().toString();
                byte[] firstBytes = f.encode(Requests.enriched(firstId, "alice", "gpt-4o-mini", "What is a sluice?"));
                f.produce("alice", firstBytes);
                await().atMost(Duration.ofSeconds(60)).until(() -> results.count(firstId) == 1);
                String cachedId = UUID.randomUUID().toString();
                f.produce("alice", f.encode(Requests.enriched(cachedId, "alice", "gpt-4o-mini", "What is a sluice?")));
                f.produce("alice", firstBytes); // replay / re-delivery of a committed request
                String lastId = UUID.randomUUID().toString();
                f.produce("alice", f.encode(Requests.enriched(lastId, "alice", "gpt-4o-mini", "And a weir?")));
                await().atMost(Duration.ofSeconds(60)).until(() -> results.count(lastId) == 1 && costs.count(lastId) == 1);
                assertThat(results.count(firstId)).as("no second result for a committed requestId").isEqualTo(1);
                assertThat(costs.count(firstId)).isEqualTo(1);
                assertThat(mock.callCount()).as("bad + first + last; the cached one is not called").isEqualTo(3);

                GenerationResult cached = results.records().stream().map(f::decodeResult)
                        .filter(r -> r.getRequestId().equals(cachedId)).findFirst().orElseThrow();
                assertThat(cached.getProvider()).isEqualTo("cache");
                assertThat(cached.getCacheHit()).isTrue();
                assertThat(cached.getAttempts()).isZero();
                CostEvent cachedCost = costs.records().stream().map(f::decodeCost)
                        .filter(c -> c.getRequestId().equals(cachedId)).findFirst().orElseThrow();
                CostEvent firstCost = costs.records().stream().map(f::decodeCost)
                        .filter(c -> c.getRequestId().equals(firstId)).findFirst().orElseThrow();
                assertThat(cachedCost.getCostMicros()).isZero();
                assertThat(cachedCost.getSavedMicros()).isEqualTo(firstCost.getCostMicros()).isPositive();
                assertThat(results.records()).noneMatch(r -> f.decodeResult(r).getRequestId().equals(badId));
            }
            logs.lines().forEach(GenerationIT::assertNoSecret);
        }
    }

    static void assertNoSecret(String text) {
        assertThat(text).doesNotContain(KEY).doesNotContain("NEVERLEAK").doesNotContain("heron")
                .doesNotContain("between us").doesNotContainIgnoringCase("bearer sk");
    }
}
