package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.SluiceConfig;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A slow call does not hold back the answers behind it in its partition: an answer is published at the next commit
 * with its ledger record, while the consumed offset waits at the slow request. When the owner leaves with the slow call
 * unfinished, the next owner reads every request after it again and finds them answered in the ledger: none is called
 * or published twice.
 */
@Tag("integration")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class GenerationAheadIT {
    private static final int FAST = 5;

    @Test
    void shouldPublishAnswersAheadOfASlowerCallInTheirPartitionAndNeverCallThemAgainAfterAHandOver(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-ahead", 1); // one partition: every request queues behind the first
        String group = f.prefix + "generation";
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader costs = f.costs()) {
            mock.enqueue(Fault.slow(Duration.ofMinutes(2))); // the first call: a long generation, never finished by its first owner
            Map<String, String> base = new HashMap<>(Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.cache.enabled", "false", "generation.drain.timeout.ms", "300", "kafka.session.timeout.ms", "6000"));
            String slowId = UUID.randomUUID().toString();
            List<String> fastIds = new ArrayList<>();
            try (GenerationStage first = stage(f, base, "ahead-a")) {
                first.start();
                f.produce("alice", f.encode(Requests.enriched(slowId, "alice", "gpt-4o-mini", "write a long essay " + slowId)));
                await().atMost(Duration.ofSeconds(60)).until(() -> mock.callCount() == 1);
                for (int i = 0; i < FAST; i++) {
                    String id = UUID.randomUUID().toString();
                    fastIds.add(id);
                    f.produce("bob", f.encode(Requests.enriched(id, "bob", "gpt-4o-mini", "a short question " + id)));
                }

                await().atMost(Duration.ofSeconds(60)).until(() -> fastIds.stream().allMatch(id -> results.count(id) == 1 && costs.count(id) == 1));
                assertThat(results.count(slowId)).as("the slow call is still running").isZero();
                assertThat(Offsets.committed(f, group)).as("the consumed offset waits at the slow request").isZero();
            } // leaves with the slow call unfinished: abandoned after the drain time-out, its partition handed over

            try (GenerationStage second = stage(f, base, "ahead-b")) {
                second.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> results.count(slowId) == 1 && Offsets.committed(f, group) == FAST + 1);
            }
            // both owners closed after every input was committed: read everything they committed, a second copy included
            results.awaitEverythingCommitted(Duration.ofSeconds(60));
            costs.awaitEverythingCommitted(Duration.ofSeconds(60));
            assertThat(results.total()).isEqualTo(FAST + 1);
            assertThat(costs.total()).isEqualTo(FAST + 1);
            assertThat(results.duplicates()).isEmpty();
            for (String id : fastIds) {
                assertThat(mock.calls().stream().filter(c -> c.body().contains(id)).count())
                        .as("the next owner read %s again and found it answered in the ledger", id).isEqualTo(1);
            }
            assertThat(mock.calls().stream().filter(c -> c.body().contains(slowId)).count())
                    .as("the abandoned call is redone by the next owner").isEqualTo(2);
        }
    }

    @Test
    void shouldKeepEachPartitionsResultsInInputOrderWhenPublishingAheadIsOff(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-in-order", 1);
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results()) {
            mock.enqueue(Fault.slow(Duration.ofSeconds(3)));
            Map<String, String> base = new HashMap<>(Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.cache.enabled", "false", "generation.publish.ahead", "false"));
            List<String> sent = new ArrayList<>();
            try (GenerationStage stage = stage(f, base, "in-order")) {
                stage.start();
                for (int i = 0; i <= FAST; i++) {
                    String id = UUID.randomUUID().toString();
                    sent.add(id);
                    f.produce(i == 0 ? "alice" : "bob", f.encode(Requests.enriched(id, i == 0 ? "alice" : "bob", "gpt-4o-mini", "question " + id)));
                    if (i == 0) {
                        await().atMost(Duration.ofSeconds(60)).until(() -> mock.callCount() == 1); // the slow one is called first
                    }
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> results.distinct() == FAST + 1);
            }
            assertThat(results.records().stream().map(r -> f.decodeResult(r).getRequestId()).toList())
                    .as("the answers behind the slow call waited for it").containsExactlyElementsOf(sent);
        }
    }

    private static GenerationStage stage(Fixture f, Map<String, String> base, String instance) {
        Map<String, String> config = new HashMap<>(base);
        config.put("generation.instance.id", instance);
        return new GenerationStage(SluiceConfig.of(f.config(config)), f.catalog, new SimpleMeterRegistry());
    }
}
