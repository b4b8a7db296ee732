package dev.sluice.generation.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.sluice.generation.GenerationMetrics;
import dev.sluice.testkit.MutableClock;
import dev.sluice.generation.RecordingScheduler;
import dev.sluice.generation.provider.AnthropicProvider;
import dev.sluice.generation.provider.ChatTurn;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.provider.LlmProvider;
import dev.sluice.generation.provider.OpenAiProvider;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ResilientCallerTest {
    static final String KEY = "sk-test-0123456789abcdefSECRET";
    static MockLlmServer mock;
    static ScheduledExecutorService timeouts;
    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));

    @BeforeAll
    static void startMock() {
        mock = MockLlmServer.start();
        timeouts = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stopMock() {
        mock.close();
        timeouts.shutdownNow();
    }

    @AfterEach
    void resetMock() {
        mock.reset();
    }

    static ResilienceSettings settings() {
        return ResilienceSettings.defaults()
                .withRetry(3, Duration.ofMillis(100), Duration.ofSeconds(5), 0.5)
                .withBreaker(100, Duration.ofSeconds(30), 3, Duration.ZERO, Duration.ofSeconds(1))
                .withTimeout(Duration.ofSeconds(5));
    }

    LlmProvider openai() {
        return new OpenAiProvider(mock.openAiBaseUrl(), KEY, Duration.ofSeconds(10), Executors.newCachedThreadPool(), clock);
    }

    ResilientCaller caller(LlmProvider provider, ResilienceSettings s, RecordingScheduler waits) {
        return new ResilientCaller(provider, s, waits, timeouts, clock, GenerationMetrics.standalone());
    }

    static CompletionRequest request() {
        return new CompletionRequest("r-1", "gpt-4o-mini", List.of(new ChatTurn("user", "Tell me about sluices please")), 64, null);
    }

    static CallFailedException failure(CompletableFuture<CallResult> call) {
        try {
            call.join();
        } catch (CompletionException e) {
            return (CallFailedException) e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    static List<Object[]> unbilled() {
        return List.of(new Object[] {Fault.status(429)}, new Object[] {Fault.status(503)},
                new Object[] {Fault.status(529)});
    }

    @ParameterizedTest
    @MethodSource("unbilled")
    void shouldRetryUpToMaxAttemptsWhenFailureCannotHaveBeenBilled(Fault fault) {
        mock.always(fault);
        RecordingScheduler waits = new RecordingScheduler();
        CallFailedException e = failure(caller(openai(), settings(), waits).call(request()));
        assertThat(mock.callCount()).isEqualTo(3);
        assertThat(e.errorClass()).isEqualTo(CallFailedException.RETRIES_EXHAUSTED);
        assertThat(e.attempts()).isEqualTo(3);
        // exponential backoff with ±50 % jitter: ~100 ms then ~200 ms
        assertThat(waits.delaysMillis()).hasSize(2);
        assertThat(waits.delaysMillis().get(0)).isBetween(50L, 150L);
        assertThat(waits.delaysMillis().get(1)).isBetween(100L, 300L);
    }

    static List<Object[]> billedOrHopeless() {
        return List.of(new Object[] {Fault.status(500), "SERVER_ERROR"}, new Object[] {Fault.status(400), "INVALID_REQUEST"},
                new Object[] {Fault.status(401), "AUTH_FAILED"}, new Object[] {Fault.malformedJson(), "MALFORMED_RESPONSE"},
                new Object[] {Fault.hugeBody(200, 48L << 20), "MALFORMED_RESPONSE"},
                new Object[] {Fault.hang(Duration.ofSeconds(3)), "OUTCOME_UNKNOWN"},
                new Object[] {Fault.connectionReset(), "OUTCOME_UNKNOWN"});
    }

    @ParameterizedTest
    @MethodSource("billedOrHopeless")
    void shouldCallExactlyOnceWhenFailureMayHaveBeenBilledOrCannotSucceed(Fault fault, String errorClass) {
        mock.always(fault);
        RecordingScheduler waits = new RecordingScheduler();
        ResilienceSettings s = fault.kind() == Fault.Kind.HANG ? settings().withTimeout(Duration.ofMillis(500)) : settings();
        CallFailedException e = failure(caller(openai(), s, waits).call(request()));
        assertThat(mock.callCount()).isEqualTo(1);
        assertThat(e.errorClass()).isEqualTo(errorClass);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(waits.delaysMillis()).isEmpty();
    }

    @Test
    void shouldNotRetryAResetAfterTheRequestReachedTheProviderAndSayItMayHaveBeenBilled() {
        mock.always(Fault.connectionReset());
        RecordingScheduler waits = new RecordingScheduler();
        CallFailedException e = failure(caller(openai(), settings(), waits).call(request()));
        assertThat(mock.callCount()).as("the provider saw the request once: no second bill").isEqualTo(1);
        assertThat(e.errorClass()).isEqualTo("OUTCOME_UNKNOWN");
        assertThat(e.getMessage()).contains("may have been billed").doesNotContain(KEY).doesNotContain("sluices");
        assertThat(waits.delaysMillis()).isEmpty();
    }

    @Test
    void shouldRetryARefusedConnectionAndCompleteOnceTheProviderListens() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // closed again: connecting now is refused
        }
        MockLlmServer[] later = new MockLlmServer[1];
        RecordingScheduler waits = new RecordingScheduler() {
            @Override
            public java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay, java.util.concurrent.TimeUnit unit) {
                if (later[0] == null) {
                    later[0] = MockLlmServer.start(port); // the provider comes up during the backoff
                }
                return super.schedule(command, delay, unit);
            }
        };
        LlmProvider refused = new OpenAiProvider("http://127.0.0.1:" + port + "/v1", KEY, Duration.ofSeconds(10),
                Executors.newCachedThreadPool(), clock);
        try {
            CallResult result = caller(refused, settings(), waits).call(request()).join();
            assertThat(result.attempts()).isEqualTo(2);
            assertThat(later[0].callCount()).as("the refused attempt never reached it").isEqualTo(1);
            assertThat(waits.delaysMillis()).hasSize(1);
        } finally {
            if (later[0] != null) {
                later[0].close();
            }
        }
    }

    @Test
    void shouldSendTheSameIdempotencyKeyDerivedFromUserAndRequestOnEveryAttempt() {
        mock.enqueue(Fault.status(503));
        CompletionRequest keyed = new CompletionRequest("r-9", "gpt-4o-mini", List.of(new ChatTurn("user", "hi there")), 16, null,
                CompletionRequest.idempotencyKey("alice", "r-9"));
        caller(openai(), settings(), new RecordingScheduler()).call(keyed).join();
        assertThat(mock.calls()).hasSize(2).allSatisfy(c -> assertThat(c.idempotencyKey())
                .isEqualTo(CompletionRequest.idempotencyKey("alice", "r-9")).startsWith("sluice-").doesNotContain("alice"));
        assertThat(CompletionRequest.idempotencyKey("bob", "r-9")).isNotEqualTo(CompletionRequest.idempotencyKey("alice", "r-9"));
    }

    @Test
    void shouldWaitAtLeastRetryAfterWhenProviderSaysSo() {
        mock.enqueue(Fault.status(429, 2));
        RecordingScheduler waits = new RecordingScheduler();
        CallResult result = caller(openai(), settings(), waits).call(request()).join();
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(mock.callCount()).isEqualTo(2);
        assertThat(waits.delaysMillis()).singleElement().satisfies(d -> assertThat(d).isGreaterThanOrEqualTo(2000L));
    }

    @Test
    void shouldRetryAnthropicOverloadedAndReadItsUsage() {
        mock.enqueue(Fault.status(529));
        LlmProvider anthropic = new AnthropicProvider(mock.anthropicBaseUrl(), KEY, Duration.ofSeconds(10),
                Executors.newCachedThreadPool(), clock);
        CallResult result = caller(anthropic, settings(), new RecordingScheduler()).call(request()).join();
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(result.completion().outputTokens()).isEqualTo(16);
        assertThat(result.completion().finishReason()).isEqualTo("stop");
        assertThat(mock.calls()).allSatisfy(c -> {
            assertThat(c.path()).isEqualTo("/v1/messages");
            assertThat(c.apiKeyHeader()).isEqualTo(KEY);
        });
    }

    @Test
    void shouldOpenAfterConfiguredFailuresAndStopCalling() {
        mock.always(Fault.status(500));
        ResilienceSettings s = settings().withBreaker(5, Duration.ofSeconds(30), 3, Duration.ZERO, Duration.ofSeconds(1));
        ResilientCaller caller = caller(openai(), s, new RecordingScheduler());
        for (int i = 0; i < 5; i++) {
            assertThat(failure(caller.call(request())).errorClass()).isEqualTo("SERVER_ERROR");
        }
        assertThat(caller.breaker("gpt-4o-mini").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        for (int i = 0; i < 10; i++) {
            assertThat(failure(caller.call(request())).errorClass()).isEqualTo(CallFailedException.BREAKER_OPEN);
        }
        assertThat(mock.callCount()).as("no call while open").isEqualTo(5);
    }

    @Test
    void shouldNotCountInvalidRequestsTowardsTheBreaker() {
        mock.always(Fault.status(400));
        ResilienceSettings s = settings().withBreaker(5, Duration.ofSeconds(30), 3, Duration.ZERO, Duration.ofSeconds(1));
        ResilientCaller caller = caller(openai(), s, new RecordingScheduler());
        for (int i = 0; i < 10; i++) {
            failure(caller.call(request()));
        }
        assertThat(caller.breaker("gpt-4o-mini").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(mock.callCount()).isEqualTo(10);
    }

    @Test
    void shouldCloseAgainAfterSuccessfulHalfOpenProbes() {
        mock.always(Fault.status(503));
        ResilienceSettings s = settings().withRetry(1, Duration.ofMillis(100), Duration.ofSeconds(1), 0)
                .withBreaker(5, Duration.ofSeconds(30), 3, Duration.ZERO, Duration.ofSeconds(1));
        ResilientCaller caller = caller(openai(), s, new RecordingScheduler());
        for (int i = 0; i < 5; i++) {
            failure(caller.call(request()));
        }
        assertThat(caller.breaker("gpt-4o-mini").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        mock.always(Fault.none());
        clock.advance(Duration.ofSeconds(31));
        for (int i = 0; i < 3; i++) {
            assertThat(caller.call(request()).join().attempts()).isEqualTo(1);
        }
        assertThat(caller.breaker("gpt-4o-mini").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(mock.callCount()).isEqualTo(8);
    }

    @Test
    void shouldWaitForAnOpenBreakerAndSucceedWhenItRecoversBeforeTheDeadline() {
        mock.always(Fault.status(500));
        RecordingScheduler waits = new RecordingScheduler(clock); // simulated time: each wait advances the clock
        ResilienceSettings s = settings().withBreaker(5, Duration.ofSeconds(30), 1, Duration.ofMinutes(2), Duration.ofSeconds(1));
        ResilientCaller caller = caller(openai(), s, waits);
        for (int i = 0; i < 5; i++) {
            failure(caller.call(request()));
        }
        mock.always(Fault.none());
        CallResult result = caller.call(request()).join();
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(waits.delaysMillis().stream().mapToLong(Long::longValue).sum()).isBetween(30_000L, 31_000L);
        assertThat(mock.callCount()).isEqualTo(6);
    }

    @Test
    void shouldDeadLetterAfterTheDeadlineWhenTheBreakerStaysOpen() {
        mock.always(Fault.status(500));
        RecordingScheduler waits = new RecordingScheduler(clock);
        ResilienceSettings s = settings().withBreaker(5, Duration.ofSeconds(30), 1, Duration.ofSeconds(10), Duration.ofSeconds(1));
        ResilientCaller caller = caller(openai(), s, waits);
        for (int i = 0; i < 5; i++) {
            failure(caller.call(request()));
        }
        CallFailedException e = failure(caller.call(request()));
        assertThat(e.errorClass()).isEqualTo(CallFailedException.BREAKER_OPEN);
        assertThat(e.attempts()).isZero();
        assertThat(waits.delaysMillis().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000L);
        assertThat(mock.callCount()).isEqualTo(5);
    }
}
