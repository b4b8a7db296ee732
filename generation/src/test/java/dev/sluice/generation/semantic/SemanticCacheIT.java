package dev.sluice.generation.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.SluiceConfig;
import dev.sluice.enrichment.EnrichmentStage;
import dev.sluice.generation.Fixture;
import dev.sluice.generation.GenerationStage;
import dev.sluice.generation.TopicReader;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Through the real stages: admitted requests go through the enrichment stage (real all-MiniLM-L6-v2 vectors, Redis
 * embedding cache) and the generation stage (real broker, registry and Redis; simulated provider). Questions are
 * answered first, then their paraphrases are sent: with the semantic cache on they are served at $0 with the saving
 * on llm.costs; with it off every paraphrase is a paid call, as before.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class SemanticCacheIT {
    static final String[][] QUESTIONS = {
            {"How do I reset my password?", "What's the way to reset my password?"},
            {"How do I cancel my subscription?", "I want to cancel my subscription, how do I do that?"},
            {"What is the capital of Australia?", "Which city is the capital of Australia?"},
            {"How do I track my package?", "Where can I see the tracking for my package?"},
    };
    static final String USER = "user-semantic";

    @Test
    void shouldServeRepeatedParaphrasesFromTheSemanticCacheAtZeroCostWithTheSavingOnLlmCosts(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Map<String, CostEvent> costs = run(new Fixture(kafka, registry, redis, "sem-on", 3), true);
        for (String[] q : QUESTIONS) {
            CostEvent original = costs.get(q[0]);
            assertThat(original.getSemanticHit()).isFalse();
            assertThat(original.getCostMicros()).isPositive();
            for (int repeat = 0; repeat < 2; repeat++) {
                CostEvent paraphrase = costs.get(q[1] + "#" + repeat);
                assertThat(paraphrase.getSemanticHit()).as(q[1]).isTrue();
                assertThat(paraphrase.getCacheHit()).isTrue();
                assertThat(paraphrase.getCostMicros()).isZero();
                assertThat(paraphrase.getSavedMicros()).isEqualTo(original.getCostMicros());
                assertThat(paraphrase.getKind()).isEqualTo(CostKind.CHARGED);
                assertThat(paraphrase.getReservedMicros()).as("admission's reservation is released by this event").isPositive();
            }
        }
    }

    @Test
    void shouldChangeNothingWithTheFeatureOff(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Map<String, CostEvent> costs = run(new Fixture(kafka, registry, redis, "sem-off", 3), false);
        assertThat(costs.values()).allSatisfy(c -> {
            assertThat(c.getSemanticHit()).isFalse();
            assertThat(c.getCacheHit()).isFalse();
            assertThat(c.getCostMicros()).isPositive();
            assertThat(c.getSavedMicros()).isZero();
        });
    }

    /** Sends the questions, waits for their answers, then each paraphrase twice; cost events by prompt. */
    private static Map<String, CostEvent> run(Fixture f, boolean semantic) throws Exception {
        Map<String, String> extra = new HashMap<>(Map.of("provider", "simulated", "simulated.latency.ms", "20",
                "state.dir", java.nio.file.Path.of("target", "state-" + ProcessHandle.current().pid()).toAbsolutePath().toString(),
                "enrichment.group.id", f.prefix + "enrichment", "enrichment.transactional.id", f.prefix + "enrichment-tx",
                "generation.semantic.cache.enabled", Boolean.toString(semantic)));
        SluiceConfig config = SluiceConfig.of(f.config(extra));
        Map<String, String> promptOf = new HashMap<>();
        List<AdmittedRequest> questions = new ArrayList<>();
        List<AdmittedRequest> paraphrases = new ArrayList<>();
        for (String[] q : QUESTIONS) {
            questions.add(admitted(q[0], promptOf, q[0]));
            for (int repeat = 0; repeat < 2; repeat++) {
                paraphrases.add(admitted(q[1], promptOf, q[1] + "#" + repeat));
            }
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (TopicReader results = f.results(); TopicReader costReader = f.costs();
             EnrichmentStage enrichment = new EnrichmentStage(config, f.catalog, meters);
             GenerationStage generation = new GenerationStage(config, f.catalog, meters)) {
            enrichment.start();
            generation.start();
            produce(f, questions);
            await().atMost(Duration.ofSeconds(120)).until(() -> costReader.distinct() == questions.size());
            produce(f, paraphrases);
            int all = questions.size() + paraphrases.size();
            await().atMost(Duration.ofSeconds(120)).until(() -> costReader.distinct() == all && results.distinct() == all);
            Map<String, CostEvent> byPrompt = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : costReader.records()) {
                CostEvent c = f.decodeCost(r);
                byPrompt.put(promptOf.get(c.getRequestId()), c);
            }
            for (ConsumerRecord<byte[], byte[]> r : results.records()) {
                GenerationResult g = f.decodeResult(r);
                assertThat(g.getSemanticHit()).isEqualTo(byPrompt.get(promptOf.get(g.getRequestId())).getSemanticHit());
            }
            assertThat(meters.counter("sluice.generation.outcomes", "outcome", "semantic_hit").count())
                    .isEqualTo(semantic ? paraphrases.size() : 0);
            return byPrompt;
        }
    }

    private static AdmittedRequest admitted(String prompt, Map<String, String> promptOf, String label) {
        String id = UUID.randomUUID().toString();
        promptOf.put(id, label);
        LlmRequest request = LlmRequest.newBuilder()
                .setRequestId(id)
                .setUserId(USER)
                .setModel("gpt-4o-mini")
                .setMessages(List.of(new ChatMessage(Role.SYSTEM, "You are a helpful support assistant."),
                        new ChatMessage(Role.USER, prompt)))
                .setMaxOutputTokens(256)
                .setTemperature(0.0)
                .setMetadata(Map.of())
                .setCreatedAt(Instant.now())
                .build();
        return AdmittedRequest.newBuilder().setRequest(request).setTier("PRO").setEstimatedInputTokens(50)
                .setReservedMicros(5_000).setAdmittedAt(Instant.now()).build();
    }

    private static void produce(Fixture f, List<AdmittedRequest> requests) {
        String topic = f.catalog.admitted().name();
        try (var producer = f.producer()) {
            for (AdmittedRequest a : requests) {
                producer.send(new ProducerRecord<>(topic, USER.getBytes(StandardCharsets.UTF_8),
                        f.catalog.admitted().valueSerde().serializer().serialize(topic, a)));
            }
        }
    }
}
