package dev.sluice.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LoadClient} against the test kit's mock provider (a JDK HTTP server). */
@Timeout(60)
class LoadClientTest {
    static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    final MockLlmServer mock = MockLlmServer.start();
    final URI chat = URI.create(mock.openAiBaseUrl() + "/chat/completions");

    @AfterEach
    void stop() {
        mock.close();
    }

    static int status(CompletableFuture<Integer> call) throws Exception {
        return call.get(30, TimeUnit.SECONDS); // a hung call fails the test with a TimeoutException
    }

    @Test
    void shouldAnswerEveryCallWithItsStatusOverAtMostMaxConnections() throws Exception {
        mock.latency(Duration.ofMillis(5)); // calls overlap, so most of them queue for one of the 4 connections
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        try (LoadClient client = new LoadClient(4)) {
            for (int i = 0; i < 200; i++) {
                calls.add(client.post(chat, Map.of("Authorization", "Bearer sk-test", "Idempotency-Key", "k-" + i), BODY));
            }
            for (CompletableFuture<Integer> call : calls) {
                assertThat(status(call)).isEqualTo(200);
            }
            assertThat(client.connectionsOpened()).isBetween(1, 4);
        }
        assertThat(mock.callCount()).isEqualTo(200);
        MockLlmServer.Call first = mock.calls().get(0);
        assertThat(first.path()).isEqualTo("/v1/chat/completions");
        assertThat(first.authorization()).isEqualTo("Bearer sk-test");
        assertThat(first.idempotencyKey()).startsWith("k-");
        assertThat(first.body()).isEqualTo(BODY);
    }

    @Test
    void shouldReturnAnErrorStatusAsTheStatusAndKeepTheConnection() throws Exception {
        mock.enqueue(Fault.status(429, 1), Fault.status(500));
        try (LoadClient client = new LoadClient(1)) {
            assertThat(status(client.post(chat, Map.of(), BODY))).isEqualTo(429);
            assertThat(status(client.post(chat, Map.of(), BODY))).isEqualTo(500);
            assertThat(status(client.post(chat, Map.of(), BODY))).isEqualTo(200);
            assertThat(client.connectionsOpened()).isEqualTo(1);
        }
    }

    @Test
    void shouldFailACallToAPortWhereNothingListens() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (LoadClient client = new LoadClient(2)) {
            CompletableFuture<Integer> call = client.post(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"), Map.of(), BODY);
            assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class).hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void shouldFailTheCallOfAConnectionThatClosesAndServeTheNextOnANewOne() throws Exception {
        mock.enqueue(Fault.connectionReset());
        try (LoadClient client = new LoadClient(1)) {
            CompletableFuture<Integer> dropped = client.post(chat, Map.of(), BODY);
            assertThatThrownBy(() -> dropped.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
            assertThat(status(client.post(chat, Map.of(), BODY))).isEqualTo(200);
            assertThat(client.connectionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void shouldCloseAConnectionWhoseCallAskedForConnectionClose() throws Exception {
        try (LoadClient client = new LoadClient(1)) {
            // The JDK server closes after answering a request with "Connection: close" (without saying so in its answer).
            // The second call is queued behind the first: sent on the first's connection after its response, it would be lost.
            CompletableFuture<Integer> first = client.post(chat, Map.of("Connection", "close"), BODY);
            CompletableFuture<Integer> second = client.post(chat, Map.of("Connection", "close"), BODY);
            assertThat(status(first)).isEqualTo(200);
            assertThat(status(second)).isEqualTo(200);
            assertThat(client.connectionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void shouldCloseAConnectionTheServerAnswersWithConnectionClose() throws Exception {
        // The mock provider cannot answer "Connection: close": a JDK server that always does (and then closes).
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Connection", "close");
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        try (LoadClient client = new LoadClient(1)) {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            CompletableFuture<Integer> first = client.post(uri, Map.of(), BODY);
            CompletableFuture<Integer> second = client.post(uri, Map.of(), BODY);
            assertThat(status(first)).isEqualTo(204);
            assertThat(status(second)).isEqualTo(204);
            assertThat(client.connectionsOpened()).isEqualTo(2);
        } finally {
            server.stop(0);
        }
    }
}
