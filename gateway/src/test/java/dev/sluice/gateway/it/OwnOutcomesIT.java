package dev.sluice.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import dev.sluice.gateway.GatewayStage;
import dev.sluice.gateway.http.ChatHandler;
import dev.sluice.gateway.http.Completions;
import dev.sluice.gateway.outcome.Replies;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One gateway instance (so its router reads every outcome) answering its own calls' outcomes without the copy through
 * {@code llm.gateway.replies}: only once its reply partition is settled (owned for longer than the longest wait, here
 * {@value #MAX_WAIT_MS} ms), only for calls still waiting, and never losing an outcome a later fetch needs.
 */
@Tag("integration")
@Timeout(300)
@ExtendWith(SluiceInfra.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OwnOutcomesIT {
    /** The longest wait, and so how long a newly owned reply partition stays unsettled. */
    static final long MAX_WAIT_MS = 15_000;
    static Pipeline pipeline;
    static String bootstrap;
    static GatewayStage gateway;
    static int replyPartition;

    @BeforeAll
    static void start(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        pipeline = new Pipeline("gateway-own", kafka, registry, redis, Map.of());
        bootstrap = kafka.bootstrapServers();
        gateway = pipeline.gateway("gw-own", Map.of("gateway.max.wait.ms", Long.toString(MAX_WAIT_MS)));
        replyPartition = gateway.replies().replyPartition().orElseThrow();
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    @Order(1)
    void shouldCopyItsOwnCallsOutcomesThroughTheReplyTopicWhileItsPartitionIsNew() throws Exception {
        long replyRecords = replyTopicRecords();
        long read = gateway.replies().recordsRead();

        ChatCompletion answer = ChatCompletionsIT.sdk(gateway, pipeline.key("nina", "PRO")).chat().completions()
                .create(ChatCompletionsIT.ask("new " + UUID.randomUUID()).build());

        assertThat(answer.choices()).hasSize(1);
        // Another instance may have named this partition in the last MAX_WAIT_MS, so its outcomes still go through the topic.
        assertThat(gateway.replies().settled(replyPartition)).as("answered within the %d ms the partition is new", MAX_WAIT_MS).isFalse();
        assertThat(gateway.router().answeredHere()).isZero();
        assertThat(gateway.replies().recordsRead() - read).isEqualTo(1);
        assertThat(replyTopicRecords() - replyRecords).isEqualTo(1);
        assertThat(outcomes("home")).isZero();
        assertThat(outcomes("copied")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void shouldAnswerItsOwnWaitingCallsWithoutTheCopyOnceItsPartitionHasSettled() throws Exception {
        await().atMost(Duration.ofMillis(MAX_WAIT_MS * 3)).until(() -> gateway.replies().settled(replyPartition));
        long replyRecords = replyTopicRecords();
        long read = gateway.replies().recordsRead();
        long here = gateway.router().answeredHere();
        double homeBefore = outcomes("home");
        double copiedBefore = outcomes("copied");
        OpenAIClient client = ChatCompletionsIT.sdk(gateway, pipeline.key("omar", "PRO"));
        List<String> expectedIds = new ArrayList<>();
        List<CompletableFuture<ChatCompletion>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String idempotencyKey = "own-" + i + "-" + UUID.randomUUID();
            expectedIds.add(Completions.id(ChatHandler.requestId("omar", idempotencyKey)));
            calls.add(client.async().chat().completions()
                    .create(ChatCompletionsIT.ask("own " + i).putAdditionalHeader("Idempotency-Key", idempotencyKey).build()));
        }

        for (int i = 0; i < calls.size(); i++) {
            assertThat(calls.get(i).join().id()).as("answer %d", i).isEqualTo(expectedIds.get(i));
        }
        assertThat(gateway.router().answeredHere() - here).isEqualTo(10);
        assertThat(gateway.replies().recordsRead() - read).isZero();
        assertThat(replyTopicRecords() - replyRecords).as("nothing written to the reply topic").isZero();
        // What an operator sees on /metrics: sluice_gateway_outcomes_total{path="home"} and {path="copied"}.
        assertThat(outcomes("home") - homeBefore).isEqualTo(10);
        assertThat(outcomes("copied") - copiedBefore).isZero();
    }

    @Test
    @Order(3)
    void shouldStillCopyTheOutcomeOfACallThatStoppedWaitingSoALaterFetchFindsIt() throws Exception {
        await().atMost(Duration.ofMillis(MAX_WAIT_MS * 3)).until(() -> gateway.replies().settled(replyPartition));
        long replyRecords = replyTopicRecords();
        String key = pipeline.key("pia", "PRO");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> timedOut = ChatCompletionsIT.callWaitingOneMs(http, gateway, key, "gone " + UUID.randomUUID());
        assertThat(timedOut.statusCode()).isEqualTo(504);
        String requestId = timedOut.headers().firstValue("x-request-id").orElseThrow();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> ChatCompletionsIT.fetchStatus(http, gateway, key, requestId) == 200);
        // No call waited for it when the router read it, so it went through the reply topic as always. (The fetch may
        // have been answered by the look-up over the outcome topics before the copy landed, hence the wait.)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(replyTopicRecords() - replyRecords).isEqualTo(1));
    }

    private static double outcomes(String path) {
        return pipeline.meters(gateway).get("sluice.gateway.outcomes").tag("path", path).functionCounter().count();
    }

    private static long replyTopicRecords() throws Exception {
        String topic = pipeline.catalog.prefix() + Replies.TOPIC;
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < dev.sluice.gateway.GatewayConfig.from(pipeline.config).replyPartitions(); p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        return ChatCompletionsIT.endOffsets(bootstrap, partitions).values().stream().mapToLong(Long::longValue).sum();
    }
}
