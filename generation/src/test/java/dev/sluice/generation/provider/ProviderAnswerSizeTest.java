package dev.sluice.generation.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;

/**
 * A provider's answer is read into memory to be parsed, so its size is bounded: an answer without end fails its call
 * (as a malformed answer, never retried: it may have been billed) and the provider goes on serving the next calls;
 * an error answer with a body without end is still classified by its status, and ends. Both HTTP providers read
 * through the same consumer; each is exercised here, the Anthropic one with its own overloaded status (529).
 */
class ProviderAnswerSizeTest {
    private static final String PROMPT = "Summarise the Brandt memo for the board";
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Test
    void shouldFailAnAnswerLargerThanTheCeilingAsMalformedAndServeTheNextCall() {
        try (MockLlmServer mock = MockLlmServer.start();
             OpenAiProvider provider = new OpenAiProvider(mock.openAiBaseUrl(), "sk-test", Duration.ofSeconds(30), executor, Clock.systemUTC())) {
            mock.enqueue(Fault.hugeBody(200, 3L * HttpProviderSupport.MAX_ANSWER_BYTES)); // 48 MiB, chunked: no length up front

            Throwable failure = provider.complete(request("r-huge")).handle((c, e) -> e).join();

            assertThat(ProviderException.find(failure)).hasValueSatisfying(e -> {
                assertThat(e.errorClass()).as(e.getMessage()).isEqualTo(ErrorClass.MALFORMED_RESPONSE);
                assertThat(e.getMessage()).contains("larger than " + HttpProviderSupport.MAX_ANSWER_BYTES + " bytes").doesNotContain("sk-test");
            });
            assertThat(provider.complete(request("r-next")).join().outputTokens()).as("the next call, same provider").isPositive();
            assertThat(mock.callCount()).isEqualTo(2);
        }
    }

    @Test
    void shouldClassifyAnErrorWithABodyWithoutEndByItsStatusWithoutReadingOn() {
        try (MockLlmServer mock = MockLlmServer.start();
             OpenAiProvider provider = new OpenAiProvider(mock.openAiBaseUrl(), "sk-test", Duration.ofSeconds(30), executor, Clock.systemUTC())) {
            // Data keeps coming, so the response timeout (inactivity) never fires: only the ceiling ends this call.
            mock.enqueue(Fault.hugeBody(503, Long.MAX_VALUE));

            Throwable failure = provider.complete(request("r-overloaded")).orTimeout(20, TimeUnit.SECONDS).handle((c, e) -> e).join();

            assertThat(ProviderException.find(failure)).hasValueSatisfying(e -> {
                assertThat(e.errorClass()).as(e.getMessage()).isEqualTo(ErrorClass.OVERLOADED);
                assertThat(e.getMessage().length()).as("the message quotes a bounded prefix at most").isLessThan(HttpProviderSupport.MAX_ERROR_BYTES + 1_000);
            });
        }
    }

    @Test
    void shouldReadAnAnswerJustUnderTheCeiling() throws Exception {
        try (MockLlmServer mock = MockLlmServer.start();
             OpenAiProvider provider = new OpenAiProvider(mock.openAiBaseUrl(), "sk-test", Duration.ofSeconds(30), executor, Clock.systemUTC())) {
            mock.enqueue(Fault.hugeBody(200, HttpProviderSupport.MAX_ANSWER_BYTES - 1));

            Throwable failure = provider.complete(request("r-big")).handle((c, e) -> e).join();

            // Read whole, then refused by the parser (the filler is not a completion), not by the ceiling.
            assertThat(ProviderException.find(failure)).hasValueSatisfying(e -> {
                assertThat(e.errorClass()).isEqualTo(ErrorClass.MALFORMED_RESPONSE);
                assertThat(e.getMessage()).doesNotContain("larger than");
            });
        }
    }

    @Test
    void shouldFailAnAnthropicAnswerLargerThanTheCeilingAsMalformedAndServeTheNextCall() {
        try (MockLlmServer mock = MockLlmServer.start(); AnthropicProvider provider = anthropic(mock)) {
            mock.enqueue(Fault.hugeBody(200, 3L * HttpProviderSupport.MAX_ANSWER_BYTES));

            Throwable failure = provider.complete(request("r-huge")).orTimeout(20, TimeUnit.SECONDS).handle((c, e) -> e).join();

            assertThat(ProviderException.find(failure)).hasValueSatisfying(e -> {
                assertThat(e.errorClass()).as(e.getMessage()).isEqualTo(ErrorClass.MALFORMED_RESPONSE);
                assertThat(e.getMessage()).startsWith("anthropic: ")
                        .contains("larger than " + HttpProviderSupport.MAX_ANSWER_BYTES + " bytes")
                        .doesNotContain("sk-ant-test").doesNotContain(PROMPT);
            });
            Completion next = provider.complete(request("r-next")).orTimeout(20, TimeUnit.SECONDS).join();
            assertThat(next.content()).as("the next call, same provider").isEqualTo("Mock answer.");
            assertThat(next.outputTokens()).isPositive();
            assertThat(mock.calls()).extracting(MockLlmServer.Call::path).containsExactly("/v1/messages", "/v1/messages");
        }
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {529, 503})
    void shouldClassifyAnAnthropicOverloadWithABodyWithoutEndByItsStatusWithoutReadingOn(int status) {
        try (MockLlmServer mock = MockLlmServer.start(); AnthropicProvider provider = anthropic(mock)) {
            // Data keeps coming, so the response timeout (inactivity) never fires: only the error ceiling ends this call.
            mock.enqueue(Fault.hugeBody(status, Long.MAX_VALUE));

            Throwable failure = provider.complete(request("r-overloaded")).orTimeout(20, TimeUnit.SECONDS).handle((c, e) -> e).join();

            assertThat(ProviderException.find(failure)).as(String.valueOf(failure)).hasValueSatisfying(e -> {
                assertThat(e.errorClass()).as(e.getMessage()).isEqualTo(ErrorClass.OVERLOADED);
                assertThat(e.getMessage()).startsWith("HTTP " + status + " from anthropic: ")
                        .doesNotContain("sk-ant-test").doesNotContain(PROMPT);
                assertThat(e.getMessage().length()).as("the message quotes a bounded prefix at most")
                        .isLessThan(HttpProviderSupport.MAX_ERROR_BYTES + 1_000);
            });
            assertThat(provider.complete(request("r-next")).orTimeout(20, TimeUnit.SECONDS).join().content())
                    .as("the next call, same provider").isEqualTo("Mock answer.");
        }
    }

    private AnthropicProvider anthropic(MockLlmServer mock) {
        return new AnthropicProvider(mock.anthropicBaseUrl(), "sk-ant-test", Duration.ofSeconds(30), executor, Clock.systemUTC());
    }

    private static CompletionRequest request(String id) {
        return new CompletionRequest(id, "gpt-4o-mini", List.of(new ChatTurn("user", PROMPT)), 16, null);
    }
}
