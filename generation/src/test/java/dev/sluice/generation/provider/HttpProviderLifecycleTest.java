package dev.sluice.generation.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.sluice.generation.LogCapture;
import dev.sluice.testkit.llm.MockLlmServer;

/** The HTTP providers' client lifecycle: a stage that stops closes its providers quietly, and a closed one refuses calls it never sent. */
class HttpProviderLifecycleTest {
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Test
    void shouldCloseWithOpenKeepAliveConnectionsWithoutLoggingAnErrorAndEndItsIoThread() {
        try (MockLlmServer mock = MockLlmServer.start(); LogCapture logs = new LogCapture()) {
            OpenAiProvider provider = new OpenAiProvider(mock.openAiBaseUrl(), "sk-test", Duration.ofSeconds(5), executor, Clock.systemUTC());
            for (int i = 0; i < 5; i++) {
                assertThat(provider.complete(request("r-" + i)).join().outputTokens()).isPositive();
            }
            assertThat(ioThreads()).as("the provider's I/O thread while open").isNotEmpty();

            provider.close();

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(ioThreads()).as("I/O threads after close").isEmpty());
            assertThat(logs.lines()).as("log lines from closing a provider with pooled connections").isEmpty();
        }
    }

    @Test
    void shouldFailACallOnAClosedProviderAsNeverSent() {
        try (MockLlmServer mock = MockLlmServer.start()) {
            OpenAiProvider provider = new OpenAiProvider(mock.openAiBaseUrl(), "sk-test", Duration.ofSeconds(5), executor, Clock.systemUTC());
            provider.close();

            Throwable failure = provider.complete(request("r-closed")).handle((c, e) -> e).join();

            assertThat(ProviderException.find(failure)).hasValueSatisfying(e -> assertThat(e.errorClass()).as(e.getMessage()).isEqualTo(ErrorClass.CONNECT_FAILED));
            assertThat(mock.callCount()).isZero();
        }
    }

    private static CompletionRequest request(String id) {
        return new CompletionRequest(id, "gpt-4o-mini", List.of(new ChatTurn("user", "hello")), 16, null);
    }

    private static List<String> ioThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith("sluice-provider-io-")).toList();
    }
}
