package dev.sluice.generation.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.sluice.common.ModelCatalog;
import dev.sluice.generation.fallback.ChainCaller;
import dev.sluice.generation.semantic.SemanticCache;
import dev.sluice.generation.semantic.SemanticSettings;
import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.LogCapture;
import dev.sluice.testkit.MutableClock;
import dev.sluice.generation.RecordingScheduler;
import dev.sluice.generation.Requests;
import dev.sluice.generation.provider.AnthropicProvider;
import dev.sluice.generation.provider.LlmProvider;
import dev.sluice.generation.provider.OpenAiProvider;
import dev.sluice.generation.provider.SimulatedProvider;
import dev.sluice.generation.provider.SimulatedSettings;
import dev.sluice.generation.resilience.ResilienceSettings;
import dev.sluice.generation.resilience.ResilientCaller;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.generation.store.InMemoryGenerationStore;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestProcessorTest {
    static final String KEY = "sk-proj-SUPERSECRETKEY0123456789";
    static final String PROMPT = "My private plan: \"launch\" the boat at dawn\nand tell nobody about the harbour";
    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    final InMemoryGenerationStore store = new InMemoryGenerationStore();
    final ModelCatalog catalog = ModelCatalog.defaults();
    final GenerationMetrics metrics = GenerationMetrics.standalone();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    RequestProcessor processor(LlmProvider provider) {
        ResilientCaller caller = new ResilientCaller(provider, ResilienceSettings.defaults()
                .withRetry(2, Duration.ofMillis(10), Duration.ofMillis(100), 0), new RecordingScheduler(), scheduler, clock, metrics);
        return new RequestProcessor(ChainCaller.single(caller, catalog), store, catalog, ProcessorSettings.defaults(), clock, metrics,
                Runnable::run, new SemanticCache(SemanticSettings.disabled()));
    }

    SimulatedProvider simulated() {
        return new SimulatedProvider(SimulatedSettings.fixed(0), scheduler);
    }

    @Test
    void shouldEmitResultAndCostComputedFromTheModelPrice() {
        Outcome.Emit emit = (Outcome.Emit) processor(simulated()).process(Requests.enriched("r1", "u1", "gpt-4o-mini", "hello there")).join();
        assertThat(emit.result().getProvider()).isEqualTo("simulated");
        assertThat(emit.result().getAttempts()).isEqualTo(1);
        long expected = catalog.price("gpt-4o-mini").orElseThrow()
                .costMicros(emit.result().getInputTokens(), emit.result().getOutputTokens());
        assertThat(emit.cost().getCostMicros()).isEqualTo(expected).isPositive();
        assertThat(emit.cost().getReservedMicros()).isEqualTo(Requests.RESERVED_MICROS);
        assertThat(emit.cost().getUserId()).isEqualTo("u1");
        assertThat(store.doneEntries()).as("saved before the transaction").containsKey(GenerationStore.requestKey("u1", "r1"));
    }

    @Test
    void shouldServeTheSamePromptFromCacheWithZeroCostAndTheSaving() {
        SimulatedProvider provider = simulated();
        RequestProcessor processor = processor(provider);
        Outcome.Emit first = (Outcome.Emit) processor.process(Requests.enriched("r1", "u1", "gpt-4o-mini", "same prompt")).join();
        Outcome.Emit second = (Outcome.Emit) processor.process(Requests.enriched("r2", "u2", "gpt-4o-mini", "same prompt")).join();
        assertThat(provider.calls()).isEqualTo(1);
        assertThat(second.result().getProvider()).isEqualTo("cache");
        assertThat(second.result().getCacheHit()).isTrue();
        assertThat(second.result().getAttempts()).isZero();
        assertThat(second.result().getContent()).isEqualTo(first.result().getContent());
        assertThat(second.cost().getCostMicros()).isZero();
        assertThat(second.cost().getSavedMicros()).isEqualTo(first.cost().getCostMicros()).isPositive();
        assertThat(second.cost().getRequestId()).isEqualTo("r2");
        assertThat(second.kind()).isEqualTo(GenerationMetrics.CACHE_HIT);
    }

    @Test
    void shouldReEmitADoneResultWithoutCallingTheProviderAgain() {
        SimulatedProvider provider = simulated();
        EnrichedRequest request = Requests.enriched("r1", "u1", "gpt-4o-mini", "once only");
        Outcome.Emit first = (Outcome.Emit) processor(provider).process(request).join();
        Outcome.Emit again = (Outcome.Emit) processor(provider).process(request).join();
        assertThat(provider.calls()).isEqualTo(1);
        assertThat(again.result()).isEqualTo(first.result());
        assertThat(again.cost()).isEqualTo(first.cost());
        assertThat(again.kind()).isEqualTo(GenerationMetrics.RECOVERED);
    }

    @Test
    void shouldKeepAnotherUsersRequestWithTheSameRequestIdApart() {
        SimulatedProvider provider = simulated();
        RequestProcessor processor = processor(provider);
        Outcome.Emit mine = (Outcome.Emit) processor.process(Requests.enriched("r1", "u1", "gpt-4o-mini", "my private question")).join();
        Outcome.Emit theirs = (Outcome.Emit) processor.process(Requests.enriched("r1", "u2", "gpt-4o-mini", "their question")).join();
        store.forgetDone(java.util.List.of(GenerationStore.requestKey(mine.result())));
        Outcome third = processor.process(Requests.enriched("r1", "u3", "gpt-4o-mini", "a third question")).join();

        assertThat(provider.calls()).as("neither recovered from nor skipped because of u1's entry").isEqualTo(3);
        assertThat(theirs.kind()).isEqualTo(GenerationMetrics.SUCCESS);
        assertThat(theirs.result().getUserId()).isEqualTo("u2");
        assertThat(third).isInstanceOf(Outcome.Emit.class);
    }

    @Test
    void shouldKeyRequestsUnambiguously() {
        assertThat(GenerationStore.requestKey("a:b", "c")).isNotEqualTo(GenerationStore.requestKey("a", "b:c"));
    }

    @Test
    void shouldDeadLetterAModelWithoutAPriceWithoutCalling() {
        SimulatedProvider provider = simulated();
        Outcome outcome = processor(provider).process(Requests.enriched("r1", "u1", "no-such-model", "hi")).join();
        assertThat(outcome).isInstanceOfSatisfying(Outcome.DeadLetter.class, d -> assertThat(d.errorClass()).isEqualTo("UNPRICED_MODEL"));
        assertThat(provider.calls()).isZero();
    }

    @Test
    void shouldKeepKeyTokenAndPromptOutOfDeadLettersAndLogsWhenTheProviderEchoesThem() {
        try (MockLlmServer mock = MockLlmServer.start(); LogCapture logs = new LogCapture()) {
            mock.always(Fault.echoSecrets(400));
            for (LlmProvider provider : java.util.List.<LlmProvider>of(
                    new OpenAiProvider(mock.openAiBaseUrl(), KEY, Duration.ofSeconds(5), Executors.newCachedThreadPool(), clock),
                    new AnthropicProvider(mock.anthropicBaseUrl(), KEY, Duration.ofSeconds(5), Executors.newCachedThreadPool(), clock))) {
                Outcome outcome = processor(provider).process(Requests.enriched("r-" + provider.name(), "u1", "gpt-4o-mini", PROMPT)).join();
                Outcome.DeadLetter dead = (Outcome.DeadLetter) outcome;
                assertThat(dead.errorClass()).isEqualTo("INVALID_REQUEST");
                assertThat(dead.attempts()).as("dead-lettered at once").isEqualTo(1);
                assertThat(dead.message()).contains("HTTP 400").contains("[REDACTED]");
                assertNoSecret(dead.message());
            }
            assertThat(mock.callCount()).isEqualTo(2);
            assertThat(mock.calls().get(0).body()).as("the mock really saw the prompt").contains("launch");
            logs.lines().forEach(RequestProcessorTest::assertNoSecret);
        }
    }

    static void assertNoSecret(String text) {
        assertThat(text).doesNotContain(KEY).doesNotContain("SUPERSECRET").doesNotContain("launch")
                .doesNotContain("harbour").doesNotContain("private plan").doesNotContainIgnoringCase("bearer sk");
    }
}
