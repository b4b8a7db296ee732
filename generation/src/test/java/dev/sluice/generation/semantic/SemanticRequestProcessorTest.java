package dev.sluice.generation.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.sluice.common.ModelCatalog;
import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.RecordingScheduler;
import dev.sluice.generation.engine.Outcome;
import dev.sluice.generation.fallback.ChainCaller;
import dev.sluice.generation.engine.ProcessorSettings;
import dev.sluice.generation.engine.RequestProcessor;
import dev.sluice.generation.provider.SimulatedProvider;
import dev.sluice.generation.provider.SimulatedSettings;
import dev.sluice.generation.resilience.ResilienceSettings;
import dev.sluice.generation.resilience.ResilientCaller;
import dev.sluice.generation.store.InMemoryGenerationStore;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The request processor with the semantic cache, on real all-MiniLM-L6-v2 vectors and the in-memory store. */
class SemanticRequestProcessorTest {
    static final String ASKED = "How do I reset my password?";
    static final String PARAPHRASE = "What's the way to reset my password?";

    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    final InMemoryGenerationStore store = new InMemoryGenerationStore();
    final ModelCatalog catalog = ModelCatalog.defaults();
    final GenerationMetrics metrics = GenerationMetrics.standalone();
    final SimulatedProvider provider = new SimulatedProvider(SimulatedSettings.fixed(0), scheduler);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    RequestProcessor processor(SemanticSettings semantic) {
        ResilientCaller caller = new ResilientCaller(provider, ResilienceSettings.defaults()
                .withRetry(2, Duration.ofMillis(10), Duration.ofMillis(100), 0), new RecordingScheduler(), scheduler, clock, metrics);
        return new RequestProcessor(ChainCaller.single(caller, catalog), store, catalog, ProcessorSettings.defaults(), clock, metrics,
                Runnable::run, new SemanticCache(semantic));
    }

    static Outcome.Emit run(RequestProcessor processor, EnrichedRequest request) {
        return (Outcome.Emit) processor.process(request).join();
    }

    @Test
    void shouldServeAParaphraseAtZeroCostWithTheSavingMarkedSemantic() {
        RequestProcessor processor = processor(SemanticSettings.enabledDefaults());
        Outcome.Emit first = run(processor, SemanticRequests.of("r1", "u1", ASKED));
        Outcome.Emit second = run(processor, SemanticRequests.of("r2", "u1", PARAPHRASE));

        assertThat(provider.calls()).isEqualTo(1);
        assertThat(second.kind()).isEqualTo(GenerationMetrics.SEMANTIC_HIT);
        assertThat(second.result().getContent()).isEqualTo(first.result().getContent());
        assertThat(second.result().getSemanticHit()).isTrue();
        assertThat(second.result().getCacheHit()).isTrue();
        assertThat(second.result().getRequestId()).isEqualTo("r2");
        assertThat(second.cost().getCostMicros()).isZero();
        assertThat(second.cost().getSavedMicros()).isEqualTo(first.cost().getCostMicros()).isPositive();
        assertThat(second.cost().getSemanticHit()).isTrue();
        assertThat(second.cost().getKind()).as("admission releases the reservation on CHARGED").isEqualTo(CostKind.CHARGED);
        assertThat(second.cost().getReservedMicros()).isEqualTo(first.cost().getReservedMicros());
        assertThat(first.result().getSemanticHit()).isFalse();
    }

    @Test
    void shouldNeverShareAnAnswerBetweenTenantsEvenForIdenticalPrompts() {
        RequestProcessor processor = processor(SemanticSettings.enabledDefaults());
        Outcome.Emit alice = run(processor, SemanticRequests.of("r1", "alice", ASKED));
        Outcome.Emit bob = run(processor, SemanticRequests.of("r2", "bob", ASKED));
        Outcome.Emit bobParaphrase = run(processor, SemanticRequests.of("r3", "bob", PARAPHRASE));

        assertThat(provider.calls()).as("alice's answer is neither an exact nor a semantic hit for bob").isEqualTo(2);
        assertThat(bob.result().getCacheHit()).isFalse();
        assertThat(alice.result().getCacheHit()).isFalse();
        assertThat(bobParaphrase.result().getSemanticHit()).as("bob's own earlier answer serves him").isTrue();
    }

    @Test
    void shouldShareWithinAConfiguredTenantGroupOnly() {
        RequestProcessor processor = processor(SemanticSettings.enabledDefaults().withTenantMetadataKey("tenant"));
        run(processor, SemanticRequests.of("r1", "alice", ASKED, 0.0, Map.of("tenant", "acme")));
        Outcome.Emit colleague = run(processor, SemanticRequests.of("r2", "carol", PARAPHRASE, 0.0, Map.of("tenant", "acme")));
        Outcome.Emit outsider = run(processor, SemanticRequests.of("r3", "dave", PARAPHRASE, 0.0, Map.of("tenant", "globex")));

        assertThat(colleague.result().getSemanticHit()).isTrue();
        assertThat(outsider.result().getCacheHit()).isFalse();
        assertThat(provider.calls()).isEqualTo(2);
    }

    @Test
    void shouldCallForANegatedQuestionThatEmbedsCloseToTheCachedOne() {
        RequestProcessor processor = processor(SemanticSettings.enabledDefaults());
        run(processor, SemanticRequests.of("r1", "u1", "Is it safe to eat raw cookie dough?"));
        Outcome.Emit negated = run(processor, SemanticRequests.of("r2", "u1", "Is it not safe to eat raw cookie dough?"));

        assertThat(negated.result().getCacheHit()).isFalse();
        assertThat(provider.calls()).isEqualTo(2);
    }

    @Test
    void shouldServeOneCachedAnswerAtMostMaxServesTimesThenCallAgain() {
        RequestProcessor processor = processor(SemanticSettings.enabledDefaults().withMaxServes(2));
        run(processor, SemanticRequests.of("r1", "u1", ASKED));
        assertThat(run(processor, SemanticRequests.of("r2", "u1", PARAPHRASE)).result().getSemanticHit()).isTrue();
        assertThat(run(processor, SemanticRequests.of("r3", "u1", PARAPHRASE)).result().getSemanticHit()).isTrue();
        Outcome.Emit third = run(processor, SemanticRequests.of("r4", "u1", PARAPHRASE));

        assertThat(third.result().getCacheHit()).as("the cap reached: a real call refreshes the answer").isFalse();
        assertThat(provider.calls()).isEqualTo(2);
    }

    @Test
    void shouldLeaveSampledRequestsAloneWhenDeterministicOnly() {
        RequestProcessor processor = processor(SemanticSettings.enabledDefaults());
        run(processor, SemanticRequests.of("r1", "u1", ASKED, 0.7, Map.of()));
        Outcome.Emit second = run(processor, SemanticRequests.of("r2", "u1", PARAPHRASE, 0.7, Map.of()));

        assertThat(second.result().getCacheHit()).isFalse();
        assertThat(provider.calls()).isEqualTo(2);
    }

    @Test
    void shouldChangeNothingWhenDisabled() {
        RequestProcessor processor = processor(SemanticSettings.disabled());
        run(processor, SemanticRequests.of("r1", "u1", ASKED));
        Outcome.Emit paraphrase = run(processor, SemanticRequests.of("r2", "u1", PARAPHRASE));
        Outcome.Emit identicalFromAnotherUser = run(processor, SemanticRequests.of("r3", "u2", ASKED));

        assertThat(paraphrase.result().getCacheHit()).isFalse();
        assertThat(paraphrase.result().getSemanticHit()).isFalse();
        assertThat(identicalFromAnotherUser.result().getCacheHit()).as("the exact cache as before: shared across users").isTrue();
        assertThat(identicalFromAnotherUser.result().getSemanticHit()).isFalse();
        assertThat(provider.calls()).isEqualTo(2);
    }

    @Test
    void shouldNotServeAnAnswerPastTheCacheTtl() {
        RequestProcessor processor = processor(SemanticSettings.enabledDefaults());
        run(processor, SemanticRequests.of("r1", "u1", ASKED));
        clock.advance(ProcessorSettings.defaults().cacheTtl().plusSeconds(1));
        Outcome.Emit later = run(processor, SemanticRequests.of("r2", "u1", PARAPHRASE));

        assertThat(later.result().getCacheHit()).isFalse();
        assertThat(provider.calls()).isEqualTo(2);
    }
}
