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

import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;

/**
 * A provider's answer is read into memory to be parsed, so its size is bounded: an answer without end fails its call
 * (as a malformed answer, never retried: it may have been billed) and the provider goes on serving the next calls;
 * an error answer with a body without end is still classified by its status, and ends.
 */
class ProviderAnswerSizeTest {
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

    private static CompletionRequest request(String id) {
        return new CompletionRequest(id, "gpt-4o-mini", List.of(new ChatTurn("user", "hello")), 16, null);
    }
}
