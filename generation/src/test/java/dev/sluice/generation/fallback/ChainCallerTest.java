package dev.sluice.generation.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.sluice.common.ModelCatalog;
import dev.sluice.common.SluiceConfig;
import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.RecordingScheduler;
import dev.sluice.generation.provider.ChatTurn;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.provider.OpenAiProvider;
import dev.sluice.generation.resilience.CallFailedException;
import dev.sluice.generation.resilience.ResilienceSettings;
import dev.sluice.generation.resilience.ResilientCaller;
import dev.sluice.testkit.MutableClock;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A primary and a backup OpenAI-compatible mock; the chain {@code gpt-4o → claude-sonnet-4-5@backup → gpt-4o-mini@backup}. */
class ChainCallerTest {
    static MockLlmServer primary;
    static MockLlmServer backup;
    static ScheduledExecutorService timeouts;
    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final ModelCatalog catalog = ModelCatalog.from(SluiceConfig.of(Map.of()));

    @BeforeAll
    static void start() {
        primary = MockLlmServer.start();
        backup = MockLlmServer.start();
        timeouts = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() {
        primary.close();
        backup.close();
        timeouts.shutdownNow();
    }

    @AfterEach
    void reset() {
        primary.reset();
        backup.reset();
    }

    private ResilientCaller caller(MockLlmServer mock) {
        ResilienceSettings s = ResilienceSettings.defaults()
                .withRetry(3, Duration.ofMillis(100), Duration.ofSeconds(5), 0.5)
                .withBreaker(100, Duration.ofSeconds(30), 3, Duration.ZERO, Duration.ofSeconds(1))
                .withTimeout(Duration.ofSeconds(5));
        return new ResilientCaller(new OpenAiProvider(mock.openAiBaseUrl(), "sk-test", Duration.ofSeconds(10),
                Executors.newCachedThreadPool(), clock), s, new RecordingScheduler(clock), timeouts, clock,
                GenerationMetrics.standalone());
    }

    private ChainCaller chain() {
        FallbackChains chains = new FallbackChains(Map.of("gpt-4o", List.of(
                new FallbackChains.Link("claude-sonnet-4-5", "backup"), new FallbackChains.Link("gpt-4o-mini", "backup"))),
                Map.of("backup", new FallbackChains.Endpoint("backup", "openai", backup.openAiBaseUrl())));
        return new ChainCaller(caller(primary), Map.of("backup", caller(backup)), chains, catalog);
    }

    private static CompletionRequest request() {
        return new CompletionRequest("r-1", "gpt-4o", List.of(new ChatTurn("user", "Tell me about sluices")), 100, null, "sluice-abc");
    }

    /** gpt-4o's worst case for 50 input tokens and 100 output tokens is 1,125 µ$; claude-sonnet-4-5's is 1,650 µ$. */
    private static final long INPUT_BOUND = 50;
    private static final long RESERVED = 1_125;

    @Test
    void shouldFallBackAfterRetriesOfAnOverloadedPrimarySkippingALinkDearerThanTheReservation() {
        primary.always(Fault.status(503));
        ChainResult r = chain().call(request(), INPUT_BOUND, RESERVED).join();
        assertThat(r.answeredBy()).isEqualTo(new FallbackChains.Link("gpt-4o-mini", "backup"));
        assertThat(primary.callCount()).isEqualTo(3); // 503s: unbilled, retried
        assertThat(backup.callCount()).as("one billed call, on the affordable link").isEqualTo(1);
        assertThat(backup.calls().get(0).body()).contains("\"gpt-4o-mini\"");
        assertThat(r.attempts()).isEqualTo(4);
        assertThat(r.attemptLog()).containsExactly("gpt-4o RETRIES_EXHAUSTED after 3 calls",
                "claude-sonnet-4-5@backup refused: worst case 1650 > reserved 1125 micro-USD",
                "gpt-4o-mini@backup answered after 1 calls");
    }

    @Test
    void shouldFallBackAtOnceWhileThePrimaryBreakerIsOpen() {
        ChainCaller chain = chain();
        chain.primary().breaker("gpt-4o").transitionToOpenState();
        ChainResult r = chain.call(request(), INPUT_BOUND, 10_000).join();
        assertThat(primary.callCount()).isZero();
        assertThat(r.answeredBy()).isEqualTo(new FallbackChains.Link("claude-sonnet-4-5", "backup"));
        assertThat(r.attemptLog().get(0)).isEqualTo("gpt-4o BREAKER_OPEN after 0 calls");
    }

    static List<Object[]> mayHaveBilledOrHopeless() {
        return List.of(new Object[] {Fault.status(400), "INVALID_REQUEST"}, new Object[] {Fault.status(401), "AUTH_FAILED"},
                new Object[] {Fault.status(500), "SERVER_ERROR"}, new Object[] {Fault.connectionReset(), "OUTCOME_UNKNOWN"},
                new Object[] {Fault.malformedJson(), "MALFORMED_RESPONSE"});
    }

    @ParameterizedTest
    @MethodSource("mayHaveBilledOrHopeless")
    void shouldNotFallBackWhenThePrimaryMayHaveBilledOrTheRequestWouldFailEverywhere(Fault fault, String errorClass) {
        primary.always(fault);
        CallFailedException e = failure(chain().call(request(), INPUT_BOUND, 10_000));
        assertThat(e.errorClass()).isEqualTo(errorClass);
        assertThat(primary.callCount()).isEqualTo(1);
        assertThat(backup.callCount()).as("no second call that could bill again").isZero();
    }

    @Test
    void shouldDeadLetterWithTheLastLinksClassWhenEveryLinkIsOverloaded() {
        primary.always(Fault.status(503));
        backup.always(Fault.status(529));
        CallFailedException e = failure(chain().call(request(), INPUT_BOUND, 10_000));
        assertThat(e.errorClass()).isEqualTo(CallFailedException.RETRIES_EXHAUSTED);
        assertThat(e.attempts()).isEqualTo(9);
        assertThat(e.getMessage()).contains("chain: gpt-4o RETRIES_EXHAUSTED after 3 calls");
    }

    private static CallFailedException failure(CompletableFuture<ChainResult> call) {
        try {
            call.join();
        } catch (CompletionException e) {
            return (CallFailedException) e.getCause();
        }
        throw new AssertionError("the chain answered");
    }
}
