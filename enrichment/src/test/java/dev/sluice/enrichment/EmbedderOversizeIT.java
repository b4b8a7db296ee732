package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.common.CommonKeys;
import dev.sluice.enrichment.cache.LettuceEmbeddingCache;
import dev.sluice.enrichment.embed.Embedder;
import dev.sluice.enrichment.embed.CountingEmbedder;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible embeddings server whose first answer never ends: the stage reads at most its bound of it,
 * treats the batch as an outage (README, "Delivery": the poll is rewound and read again after the back-off, never
 * dead-lettered), and every request still comes out enriched exactly once, the ones behind it included, with no prompt
 * text or key in any error text it produced.
 */
@Tag("integration")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class EmbedderOversizeIT {
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "sk-oversize-it-0123456789";
    private static final String MODEL = "text-embedding-3-small";
    /** The embedder's bound for a batch of one text ({@code OpenAiEmbedder.maxAnswerBytes(1)}: at least 8 MiB). */
    private static final long ANSWER_BOUND = 8L << 20;

    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicLong hugeBytesSent = new AtomicLong();
    private final CountDownLatch hugeAnswerCut = new CountDownLatch(1);
    private volatile CountingEmbedder embedder; // made by the stage's embedder factory
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ExecutorService serverThreads = Executors.newCachedThreadPool();
    private HttpServer server;
    private StageHarness harness;
    private RedisServer redis;
    private EnrichmentStage stage;

    @BeforeEach
    void setUp(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws IOException {
        this.redis = redis;
        redis.start();
        harness = new StageHarness("oversize", kafka, registry, redis);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/embeddings", this::answer);
        server.setExecutor(serverThreads); // the endless answer must not hold up the calls after it
        server.start();
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        root.detachAppender(logs);
        if (stage != null) {
            stage.close();
        }
        server.stop(0);
        serverThreads.shutdownNow();
        harness.close();
    }

    /** The first call: 200 with filler that never ends (chunked, no length); every later call: one vector a text. */
    private void answer(HttpExchange exchange) throws IOException {
        JsonNode input = JSON.readTree(exchange.getRequestBody()).path("input");
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (calls.incrementAndGet() == 1) {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) '7');
            try (OutputStream out = exchange.getResponseBody()) {
                while (true) { // only the client hanging up ends this
                    out.write(chunk);
                    hugeBytesSent.addAndGet(chunk.length);
                }
            } catch (IOException clientHungUp) {
                hugeAnswerCut.countDown();
            }
            return;
        }
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < input.size(); i++) {
            int length = input.get(i).asText().length();
            data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                    .append(",\"embedding\":[").append(length).append(",0.25,-1]}");
        }
        byte[] reply = ("{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"" + MODEL + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, reply.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(reply);
        }
    }

    private static String prompt(int i) {
        return "Confidential prompt " + i + ": summarise the Halvorsen acquisition terms for the board";
    }

    @Test
    void shouldRetryABatchWhoseAnswerHasNoEndAndEnrichEveryRequestOnceWithoutLeakingPromptText() throws InterruptedException {
        stage = openAiStage();
        stage.start();
        List<AdmittedRequest> sent = new ArrayList<>();
        AdmittedRequest first = TestRequests.admitted("user-0", prompt(0));
        sent.add(first);
        harness.produce(first); // alone in its poll: the call that gets the endless answer embeds its text
        await().atMost(PATIENCE).until(() -> calls.get() >= 1);
        for (int i = 1; i <= 5; i++) { // behind it, on the same and on other partitions
            AdmittedRequest a = TestRequests.admitted("user-" + i % 3, prompt(i));
            sent.add(a);
            harness.produce(a);
        }

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .failFast("the stage's loop died", () -> !stage.health().live())
                .failFast("a request was dead-lettered", () -> !harness.deadLetters.isEmpty())
                .until(() -> {
                    harness.drain();
                    return harness.enriched.size() >= sent.size();
                });

        assertThat(hugeAnswerCut.await(30, TimeUnit.SECONDS)).as("the client hung up on the endless answer").isTrue();
        // The client read its bound and stopped: what the server got out is the bound plus socket buffers, not more.
        assertThat(hugeBytesSent.get()).as("bytes of the endless answer written").isBetween(ANSWER_BOUND, 16 * ANSWER_BOUND);
        List<String> embedderFailures = embedder.failures();
        assertThat(embedderFailures).as("the first batch failed on the bound, as an outage").hasSize(1);
        assertThat(embedderFailures.get(0)).contains("larger than " + ANSWER_BOUND + " bytes");
        assertThat(calls.get()).as("the failed batch was sent again").isGreaterThanOrEqualTo(2);

        harness.drain();
        assertThat(harness.enriched).as("exactly one enriched record per request").hasSize(sent.size());
        assertThat(harness.enriched.stream().map(e -> e.getAdmitted().getRequest().getRequestId()))
                .containsExactlyInAnyOrderElementsOf(sent.stream().map(a -> a.getRequest().getRequestId()).toList());
        assertThat(harness.enriched).allSatisfy(e -> {
            assertThat(e.getEmbeddingModel()).isEqualTo("openai:" + MODEL);
            assertThat(e.getEmbeddingSource()).isEqualTo(EmbeddingSource.COMPUTED);
            String text = e.getAdmitted().getRequest().getMessages().get(1).getContent();
            assertThat(e.getEmbedding()).as("the vector the server computed for this text").containsExactly((float) text.length(), 0.25f, -1f);
        });
        assertThat(harness.deadLetters).as("an outage never dead-letters").isEmpty();
        assertThat(stage.health().live()).isTrue();
        assertThat(stage.health().details()).doesNotContainKey("last.failure");

        List<String> errorTexts = new ArrayList<>(embedderFailures);
        errorTexts.addAll(logLines());
        errorTexts.addAll(stage.health().details().values());
        assertThat(String.join("\n", logLines())).as("the loop reported the outage, with its reason")
                .contains("will be read again").contains("larger than " + ANSWER_BOUND + " bytes");
        assertThat(errorTexts).allSatisfy(text -> {
            assertThat(text).doesNotContain(API_KEY).doesNotContain("Halvorsen");
            sent.forEach(a -> assertThat(text).doesNotContain(a.getRequest().getMessages().get(1).getContent()));
        });
    }

    /** The stage as {@code enrichment.embedder=openai} builds it, with the embedder's failures recorded. */
    private EnrichmentStage openAiStage() {
        EnrichmentConfig config = EnrichmentConfig.from(harness.config.with(Map.of(
                EnrichmentConfig.EMBEDDER, "openai",
                EnrichmentConfig.OPENAI_BASE_URL, "http://127.0.0.1:" + server.getAddress().getPort(),
                EnrichmentConfig.OPENAI_MODEL, MODEL,
                EnrichmentConfig.OPENAI_API_KEY, API_KEY,
                EnrichmentConfig.OPENAI_TIMEOUT_MS, "5000")));
        Embedder openAi = EnrichmentStage.embedderFactory(config).get();
        return new EnrichmentStage(config, CommonKeys.kafkaClientProperties(harness.config), harness.catalog, new SimpleMeterRegistry(),
                () -> embedder = new CountingEmbedder(openAi), new LettuceEmbeddingCache(redis.uri(), config.redisTimeout()), Clock.systemUTC());
    }

    private List<String> logLines() {
        synchronized (logs.list) {
            return logs.list.stream().map(e -> e.getFormattedMessage()
                    + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())))
                    .toList();
        }
    }
}
