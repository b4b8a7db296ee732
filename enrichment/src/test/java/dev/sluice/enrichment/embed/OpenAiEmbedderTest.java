package dev.sluice.enrichment.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiEmbedderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private final List<String> auth = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    /** When positive, the server answers 200 with this many bytes of filler, chunked, instead of vectors. */
    private volatile long hugeAnswer;
    /** When set, the server answers 200 and then sends a byte of the body every 50 ms, never ending it. */
    private volatile boolean trickle;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/embeddings", exchange -> {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            bodies.add(body);
            auth.add(exchange.getRequestHeaders().getFirst("Authorization"));
            if (trickle) {
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 0; i < 2_400; i++) { // two minutes at most
                        out.write('{');
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException e) {
                    // the client stopped reading: expected
                }
                return;
            }
            if (hugeAnswer > 0) {
                exchange.sendResponseHeaders(200, 0);
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) '1');
                try (OutputStream out = exchange.getResponseBody()) {
                    for (long sent = 0; sent < hugeAnswer; sent += chunk.length) {
                        out.write(chunk);
                    }
                } catch (IOException e) {
                    // the client stopped reading: expected
                }
                return;
            }
            StringBuilder data = new StringBuilder();
            // answer out of order: the client must place vectors by index
            for (int i = body.get("input").size() - 1; i >= 0; i--) {
                String text = body.get("input").get(i).asText();
                data.append(data.length() == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                        .append(",\"embedding\":[").append(text.length()).append(",0.5,-1]}");
            }
            byte[] reply = (status == 200 ? "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"m\"}"
                    : "{\"error\":{\"message\":\"input echo: " + body.get("input").get(0).asText() + "\"}}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool()); // a trickling answer must not hold the next call
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private OpenAiEmbedder embedder(int batchSize) {
        return embedder(batchSize, Duration.ofSeconds(5));
    }

    private OpenAiEmbedder embedder(int batchSize, Duration timeout) {
        return new OpenAiEmbedder("http://127.0.0.1:" + server.getAddress().getPort() + "/", "text-embedding-3-small",
                Optional.of("sk-test-key-abcdef"), timeout, batchSize);
    }

    @Test
    void shouldPostBatchesAndPlaceVectorsByIndexWhenEmbedding() {
        OpenAiEmbedder e = embedder(2);
        List<float[]> vectors = e.embedAll(List.of("a", "bb", "ccc"));

        assertThat(vectors).hasSize(3);
        assertThat(vectors.get(0)).containsExactly(1f, 0.5f, -1f);
        assertThat(vectors.get(2)).containsExactly(3f, 0.5f, -1f);
        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(0).get("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(bodies.get(0).get("input")).hasSize(2);
        assertThat(auth).containsOnly("Bearer sk-test-key-abcdef");
        assertThat(e.dimensions()).isEqualTo(3);
        assertThat(e.modelId()).isEqualTo("openai:text-embedding-3-small");
        assertThat(e.caseInsensitive()).isFalse();
    }

    @Test
    void shouldBeRetriableOnServerErrorsAndRejectedOnBadRequestsWithoutEchoingTheInput() {
        status = 503;
        assertThatThrownBy(() -> embedder(8).embedAll(List.of("secret prompt text")))
                .isInstanceOfSatisfying(EmbeddingException.class, e -> assertThat(e.retriable()).isTrue())
                .hasMessageContaining("503").hasMessageNotContaining("secret prompt text");
        status = 400;
        assertThatThrownBy(() -> embedder(8).embedAll(List.of("secret prompt text")))
                .isInstanceOfSatisfying(EmbeddingException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageNotContaining("secret prompt text");
    }

    @Test
    void shouldFailABatchWhoseAnswerHasNoEndAsAnOutageAndServeTheNext() {
        hugeAnswer = 4L * OpenAiEmbedder.maxAnswerBytes(8);
        OpenAiEmbedder e = embedder(8);

        assertThatThrownBy(() -> e.embedAll(List.of("a text")))
                .isInstanceOfSatisfying(EmbeddingException.class, x -> assertThat(x.retriable()).isTrue())
                .hasMessageContaining("larger than " + OpenAiEmbedder.maxAnswerBytes(8) + " bytes");
        hugeAnswer = 0;
        assertThat(e.embedAll(List.of("a text"))).hasSize(1);
    }

    @Test
    void shouldCutAnAnswerThatTricklesPastTheTimeoutAsAnOutageAndServeTheNext() {
        trickle = true;
        OpenAiEmbedder e = embedder(8, Duration.ofMillis(500));

        // within a generous bound: without the cut the read would last the server's two minutes
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> e.embedAll(List.of("secret prompt text")))
                .isInstanceOfSatisfying(EmbeddingException.class, x -> assertThat(x.retriable()).isTrue())
                .hasMessageContaining("took longer than 500 ms to read").hasMessageNotContaining("secret prompt text"));
        trickle = false;
        assertThat(e.embedAll(List.of("a text"))).hasSize(1);
    }
}
