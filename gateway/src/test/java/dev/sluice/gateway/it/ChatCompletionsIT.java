package dev.sluice.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.sluice.gateway.GatewayStage;
import dev.sluice.gateway.http.ChatHandler;
import dev.sluice.gateway.http.Completions;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The official OpenAI Java SDK against two gateway instances in front of the real pipeline (broker, registry,
 * Redis, ingest, enrichment, generation calling a mock provider over HTTP).
 */
@Tag("integration")
@Timeout(600)
@ExtendWith(SluiceInfra.class)
class ChatCompletionsIT {
    static Pipeline pipeline;
    static String bootstrap;
    static GatewayStage first;
    static GatewayStage second;

    @BeforeAll
    static void start(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        pipeline = new Pipeline("gateway-chat", kafka, registry, redis, Map.of());
        bootstrap = kafka.bootstrapServers();
        first = pipeline.gateway("gw-a");
        second = pipeline.gateway("gw-b");
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    static OpenAIClient sdk(GatewayStage gateway, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(90)).build();
    }

    static ChatCompletionCreateParams.Builder ask(String question) {
        return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(question).maxCompletionTokens(32);
    }

    @Test
    void shouldAnswerTheOfficialSdkWithAChatCompletionAndUsage() {
        OpenAIClient client = sdk(first, pipeline.key("alice", "PRO"));

        ChatCompletion completion = client.chat().completions().create(ask("What is a sluice? " + UUID.randomUUID()).build());

        assertThat(completion.id()).startsWith("chatcmpl-");
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(c -> assertThat(c).isNotBlank());
        assertThat(completion.usage()).hasValueSatisfying(u -> {
            assertThat(u.promptTokens()).isPositive();
            assertThat(u.totalTokens()).isEqualTo(u.promptTokens() + u.completionTokens());
        });
        assertThat(pipeline.llm.calls()).allSatisfy(call -> assertThat(call.authorization()).doesNotContain("sk-sluice-"));
    }

    @Test
    void shouldStreamTheCompletedResultAsChunksEndingWithUsage() {
        OpenAIClient client = sdk(first, pipeline.key("streamer", "PRO"));
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ask("stream " + UUID.randomUUID()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
            });
        }

        assertThat(text.toString()).isNotBlank();
        assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();
    }

    @Test
    void shouldRefuseMissingWrongAndRevokedKeysWith401AndSeeARevocationOnAnotherInstanceWithinASecond() {
        String key = pipeline.key("bob", "PRO");
        assertThat(sdk(second, key).chat().completions().create(ask("hello " + UUID.randomUUID()).build()).choices()).hasSize(1);

        assertThatThrownBy(() -> sdk(first, "sk-sluice-not-a-real-key").chat().completions().create(ask("x").build()))
                .isInstanceOf(UnauthorizedException.class)
                .satisfies(e -> assertThat(((UnauthorizedException) e).code()).hasValue("invalid_api_key"));

        String keyId = pipeline.keys.list().stream().filter(k -> k.getUserId().equals("bob")).findFirst().orElseThrow().getKeyId();
        pipeline.keys.revoke(keyId);
        long revokedAt = System.nanoTime(); // the revocation is durable on the topic from here
        // Revoked through one path, refused by the other instance: polled, never slept.
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> Pipeline.status(second, key) == 401);
        System.out.printf("revocation honoured by the second instance after %d ms%n", (System.nanoTime() - revokedAt) / 1_000_000);
        assertThatThrownBy(() -> sdk(second, key).chat().completions().create(ask("again").build()))
                .isInstanceOf(UnauthorizedException.class).hasMessageContaining("revoked");
    }

    @Test
    void shouldMakeOneProviderCallForTwoCallsWithTheSameIdempotencyKey() {
        OpenAIClient client = sdk(first, pipeline.key("carol", "PRO"));
        String question = "idempotent " + UUID.randomUUID();
        ChatCompletionCreateParams params = ask(question).putAdditionalHeader("Idempotency-Key", "retry-" + UUID.randomUUID()).build();

        ChatCompletion once = client.chat().completions().create(params);
        ChatCompletion twice = sdk(second, pipeline.key("carol", "PRO")).chat().completions().create(params);

        assertThat(twice.id()).isEqualTo(once.id());
        assertThat(twice.choices().get(0).message().content()).isEqualTo(once.choices().get(0).message().content());
        assertThat(pipeline.llm.calls().stream().filter(c -> c.body().contains(question))).hasSize(1);
    }

    @Test
    void shouldAnswerABurstOverTheFreeTierWith429sCarryingRetryAfterAndRateLimitHeaders() {
        OpenAIClient client = sdk(first, pipeline.key("dave", "FREE"));
        List<CompletableFuture<ChatCompletion>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            calls.add(client.async().chat().completions().create(ask("burst " + i + " " + UUID.randomUUID()).build()));
        }
        List<RateLimitException> limited = new ArrayList<>();
        int ok = 0;
        for (CompletableFuture<ChatCompletion> call : calls) {
            try {
                call.join();
                ok++;
            } catch (java.util.concurrent.CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(RateLimitException.class);
                limited.add((RateLimitException) e.getCause());
            }
        }

        assertThat(ok).isEqualTo(10);
        assertThat(limited).hasSize(2).allSatisfy(e -> {
            assertThat(e.headers().values("Retry-After")).singleElement().satisfies(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
            assertThat(e.headers().values("x-ratelimit-limit-requests")).containsExactly("10");
            assertThat(e.headers().values("x-ratelimit-remaining-requests")).containsExactly("0");
            assertThat(e.headers().values("x-ratelimit-reset-requests")).hasSize(1);
            assertThat(e.code()).hasValue("rate_limit_exceeded");
        });
    }

    @Test
    void shouldGiveEveryCallerExactlyItsOwnAnswerWhenTwoInstancesServeAtOnce() {
        OpenAIClient viaFirst = sdk(first, pipeline.key("erin", "PRO"));
        OpenAIClient viaSecond = sdk(second, pipeline.key("frank", "PRO"));
        List<String> expectedIds = new ArrayList<>();
        List<CompletableFuture<ChatCompletion>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String idempotencyKey = "call-" + i + "-" + UUID.randomUUID();
            String user = i % 2 == 0 ? "erin" : "frank";
            // The request id is derived from (user, Idempotency-Key), so each answer's id says whose call it answers.
            expectedIds.add(Completions.id(ChatHandler.requestId(user, idempotencyKey)));
            calls.add((i % 2 == 0 ? viaFirst : viaSecond).async().chat().completions()
                    .create(ask("which " + i).putAdditionalHeader("Idempotency-Key", idempotencyKey).build()));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertThat(calls.get(i).join().id()).as("answer %d", i).isEqualTo(expectedIds.get(i));
        }
    }

    @Test
    void shouldRouteEachOutcomeOnlyToTheInstanceWhoseCallWaitsForIt() throws Exception {
        // The instances share the outcome topics (router group) and the reply partitions (reply group): disjoint shares.
        await().atMost(Duration.ofSeconds(30)).until(() -> !first.router().assignment().isEmpty() && !second.router().assignment().isEmpty()
                && pipeline.gateways().stream().mapToInt(g -> g.router().assignment().size()).sum() == 9);
        assertThat(first.router().assignment()).doesNotContainAnyElementsOf(second.router().assignment());
        assertThat(first.replies().owned()).isNotEmpty().doesNotContainAnyElementsOf(second.replies().owned());
        long readByFirst = first.replies().recordsRead();
        long readBySecond = second.replies().recordsRead();
        long hereByFirst = first.router().answeredHere();
        long hereBySecond = second.router().answeredHere();
        long routedBefore = routed();
        java.util.Set<TopicPartition> outcomePartitions = new java.util.HashSet<>(first.router().assignment());
        outcomePartitions.addAll(second.router().assignment());
        Map<TopicPartition, Long> endsBefore = endOffsets(outcomePartitions);
        OpenAIClient viaFirst = sdk(first, pipeline.key("kate", "PRO"));
        OpenAIClient viaSecond = sdk(second, pipeline.key("leo", "PRO"));
        List<String> expectedIds = new ArrayList<>();
        List<CompletableFuture<ChatCompletion>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String idempotencyKey = "routed-" + i + "-" + UUID.randomUUID();
            expectedIds.add(Completions.id(ChatHandler.requestId(i < 10 ? "kate" : "leo", idempotencyKey)));
            calls.add((i < 10 ? viaFirst : viaSecond).async().chat().completions()
                    .create(ask("routed " + i).putAdditionalHeader("Idempotency-Key", idempotencyKey).build()));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertThat(calls.get(i).join().id()).as("answer %d", i).isEqualTo(expectedIds.get(i));
        }

        // Each instance received exactly its own calls' outcomes, 10 and 6, not all 16 each: through its reply reader, or
        // (once its reply partition is older than the longest wait, OwnOutcomesIT) from its own router without a copy.
        assertThat(first.replies().recordsRead() - readByFirst + first.router().answeredHere() - hereByFirst).isEqualTo(10);
        assertThat(second.replies().recordsRead() - readBySecond + second.router().answeredHere() - hereBySecond).isEqualTo(6);
        // And the outcome topics were read once in total, shared between the instances' routers.
        assertThat(routed() - routedBefore).isEqualTo(16);
        // The routers commit what they copied (at most every 100 ms, not per poll), the last of it with no more outcomes
        // coming: the group's position reaches the end of every outcome partition these calls wrote to.
        Map<TopicPartition, Long> after = endOffsets(outcomePartitions);
        Map<TopicPartition, Long> written = new java.util.HashMap<>();
        after.forEach((tp, end) -> {
            if (end > endsBefore.get(tp)) {
                written.put(tp, end);
            }
        });
        assertThat(written).isNotEmpty();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                committed = admin.listConsumerGroupOffsets(first.router().groupId()).partitionsToOffsetAndMetadata().get();
            }
            written.forEach((tp, end) -> assertThat(committed.get(tp)).as("committed position of %s", tp).isNotNull()
                    .extracting(org.apache.kafka.clients.consumer.OffsetAndMetadata::offset).isEqualTo(end));
        });
    }

    /** A chat call that stops waiting after 1 ms (a 504 carrying the request id); the request completes anyway. */
    static HttpResponse<String> callWaitingOneMs(HttpClient http, GatewayStage gateway, String key, String prompt) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json").header("X-Sluice-Wait-Ms", "1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The status of {@code GET /v1/sluice/requests/{id}} on {@code gateway}. */
    static int fetchStatus(HttpClient http, GatewayStage gateway, String key, String requestId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/sluice/requests/" + requestId))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static Map<TopicPartition, Long> endOffsets(java.util.Collection<TopicPartition> partitions) throws Exception {
        return endOffsets(bootstrap, partitions);
    }

    /** The end offset of each partition. */
    static Map<TopicPartition, Long> endOffsets(String bootstrap, java.util.Collection<TopicPartition> partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new java.util.HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        }
    }

    static long routed() {
        return pipeline.gateways().stream().mapToLong(g -> g.router().recordsRead()).sum();
    }

    @Test
    void shouldRefuseAnUnknownModelAndNameTheField() {
        OpenAIClient client = sdk(first, pipeline.key("gina", "PRO"));
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("no-such-model")
                .addUserMessage("x").build()))
                .isInstanceOf(NotFoundException.class)
                .satisfies(e -> assertThat(((NotFoundException) e).param()).hasValue("model"));
    }

    @Test
    void shouldAnswer504WithTheRequestIdWhenTheWaitEndsAndServeTheResultLaterOnEitherInstance() throws Exception {
        String key = pipeline.key("hank", "PRO");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> timedOut = callWaitingOneMs(http, first, key, "slow " + UUID.randomUUID());

        assertThat(timedOut.statusCode()).isEqualTo(504);
        String requestId = timedOut.headers().firstValue("x-request-id").orElseThrow();
        assertThat(timedOut.body()).contains("/v1/sluice/requests/" + requestId);
        for (GatewayStage gateway : List.of(first, second)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> fetchStatus(http, gateway, key, requestId) == 200);
        }
        String ivan = pipeline.key("ivan", "PRO");
        HttpResponse<String> otherUser = http.send(HttpRequest.newBuilder(URI.create(first.baseUrl() + "/sluice/requests/" + requestId))
                .header("Authorization", "Bearer " + ivan).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(otherUser.statusCode()).isEqualTo(404);
    }

    @Test
    void shouldNeverLogTheKeyOrThePrompt() {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        root.addAppender(logs);
        String key = pipeline.key("judy", "PRO");
        String prompt = "secret-plan-" + UUID.randomUUID();
        try {
            GatewayStage logged = pipeline.gateway("gw-logged"); // starts (and logs) inside the capture: the capture is not vacuous
            sdk(logged, key).chat().completions().create(ask(prompt).build());
            assertThatThrownBy(() -> sdk(logged, key + "x").chat().completions().create(ask(prompt).build()))
                    .isInstanceOf(UnauthorizedException.class).hasMessageNotContaining(key);
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).isNotEmpty().allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(key).doesNotContain(prompt));
    }
}
