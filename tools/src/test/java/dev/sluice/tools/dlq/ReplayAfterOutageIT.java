package dev.sluice.tools.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.SluiceConfig;
import dev.sluice.generation.GenerationStage;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * Acceptance: a provider outage dead-letters requests in the real generation stage; after recovery a replay gives
 * every request exactly one result, a second replay sends nothing, and a forced third one is skipped by generation.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class ReplayAfterOutageIT {
    private static final int REQUESTS = 12;

    @Test
    void shouldEndWithExactlyOneResultPerRequestWhenDeadLettersAreReplayedAfterAnOutage(
            KafkaBroker kafka, SchemaRegistryServer registryServer, RedisServer redis) {
        String prefix = SluiceInfra.uniquePrefix("replay-outage");
        SchemaRegistryClient registry = new SchemaRegistryClient(registryServer.url());
        TopicCatalog catalog = new TopicCatalog(prefix, 3, registry);
        kafka.createTopics(3, catalog.all().stream().map(t -> t.name()).toArray(String[]::new));
        Map<String, Object> consumer = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());

        try (MockLlmServer provider = MockLlmServer.start()) {
            provider.always(Fault.status(503));
            Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registryServer.url(), "redis.url", redis.uri(), "topic.prefix", prefix, "topic.partitions", "3",
                    "provider", "openai", "provider.base.url", provider.openAiBaseUrl(), "provider.api.key", "sk-test-not-a-real-key",
                    "generation.group.id", prefix + "generation"));
            settings.putAll(Map.of("generation.instance.id", "replay-it", "generation.retry.max.attempts", "2",
                    "generation.retry.initial.backoff.ms", "20", "generation.breaker.open.ms", "300",
                    "generation.breaker.wait.deadline.ms", "1500", "generation.cache.enabled", "false"));
            SluiceConfig config = SluiceConfig.of(settings);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (GenerationStage generation = new GenerationStage(config, catalog, meters)) {
                generation.start();
                List<String> ids = send(kafka, catalog);

                // The outage: every request ends up in the DLQ, none has a result.
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> letteredIds(consumer, catalog).size() == REQUESTS);
                assertThat(letteredIds(consumer, catalog)).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(resultsPerRequest(consumer, catalog)).isEmpty();

                // Recovery, then replay.
                provider.always(Fault.none());
                StringWriter first = new StringWriter();
                assertThat(dlq(config, first, "replay", "--stage", "generation")).isZero();
                assertThat(first.toString()).contains(REQUESTS + " replayed");
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> resultsPerRequest(consumer, catalog).size() == REQUESTS);
                assertThat(resultsPerRequest(consumer, catalog)).as("exactly one result per request")
                        .containsOnlyKeys(ids).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));

                // A second replay of the same letters sends nothing.
                StringWriter second = new StringWriter();
                dlq(config, second, "replay", "--stage", "generation");
                assertThat(second.toString()).contains("0 replayed, " + REQUESTS + " already replayed");

                // Forced past the ledger, generation itself skips requests whose result is committed.
                dlq(config, new StringWriter(), "replay", "--stage", "generation", "--again");
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> count(meters, "skipped") == REQUESTS);
                assertThat(resultsPerRequest(consumer, catalog)).containsOnlyKeys(ids).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
            }
        }
    }

    private static List<String> send(KafkaBroker kafka, TopicCatalog catalog) {
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, EnrichedRequest> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()), new StringSerializer(), catalog.enriched().valueSerde().serializer())) {
            for (int i = 0; i < REQUESTS; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                String user = "user-" + (i % 4);
                producer.send(new ProducerRecord<>(catalog.enriched().name(), user, enriched(id, user)));
            }
        }
        return ids;
    }

    private static Set<String> letteredIds(Map<String, Object> consumer, TopicCatalog catalog) {
        return new DlqReader(consumer).read(catalog.dlq().name(), LetterFilter.all()).stream()
                .map(l -> DeadLetterHeaders.describe(l.record()).getRequestId()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, Long> resultsPerRequest(Map<String, Object> consumer, TopicCatalog catalog) {
        List<GenerationResult> results = new ArrayList<>();
        new DlqReader(consumer).scan(catalog.results().name(),
                r -> results.add(catalog.results().valueSerde().deserializer().deserialize(catalog.results().name(), r.value())));
        return results.stream().collect(Collectors.groupingBy(GenerationResult::getRequestId, Collectors.counting()));
    }

    private static int dlq(SluiceConfig config, StringWriter out, String... args) {
        return new CommandLine(new DlqCommand(config, Clock.systemUTC())).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(new StringWriter(), true)).execute(args);
    }

    private static double count(SimpleMeterRegistry meters, String outcome) {
        Counter c = meters.find("sluice.generation.outcomes").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private static EnrichedRequest enriched(String requestId, String userId) {
        Instant now = Instant.now();
        LlmRequest request = LlmRequest.newBuilder().setRequestId(requestId).setUserId(userId).setModel("gpt-4o-mini")
                .setMessages(List.of(new ChatMessage(Role.USER, "question " + requestId))).setMaxOutputTokens(64)
                .setTemperature(null).setMetadata(Map.of()).setCreatedAt(now).build();
        AdmittedRequest admitted = AdmittedRequest.newBuilder().setRequest(request).setTier("FREE").setEstimatedInputTokens(20)
                .setReservedMicros(5_000).setAdmittedAt(now).build();
        return EnrichedRequest.newBuilder().setAdmitted(admitted).setEmbeddingModel("all-minilm-l6-v2").setEmbedding(List.of())
                .setEmbeddingSource(EmbeddingSource.SKIPPED).setEnrichedAt(now).build();
    }
}
