package dev.sluice.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.sluice.gateway.GatewayStage;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Batch API through the official OpenAI SDK, in front of the real pipeline. */
@Tag("integration")
@Timeout(900)
@ExtendWith(SluiceInfra.class)
class BatchIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static Pipeline pipeline;
    static GatewayStage survivor;

    @BeforeAll
    static void start(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        pipeline = new Pipeline("gateway-batch", kafka, registry, redis, Map.of());
        survivor = pipeline.gateway("gw-survivor");
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    static OpenAIClient sdk(GatewayStage gateway, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(120)).build();
    }

    static Path jsonl(Path dir, int lines) throws Exception {
        Path file = dir.resolve("batch.jsonl");
        StringBuilder out = new StringBuilder();
        String run = UUID.randomUUID().toString();
        for (int i = 0; i < lines; i++) {
            out.append("{\"custom_id\":\"req-").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",")
                    .append("\"body\":{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"question ")
                    .append(i).append(' ').append(run).append("\"}]}}\n");
        }
        Files.writeString(file, out);
        return file;
    }

    static Batch run(OpenAIClient client, Path file) {
        FileObject uploaded = client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.BATCH).build());
        return client.batches().create(BatchCreateParams.builder().inputFileId(uploaded.id())
                .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H).build());
    }

    static Batch awaitTerminal(OpenAIClient client, String batchId) {
        List<Batch> seen = new ArrayList<>();
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            Batch b = client.batches().retrieve(batchId);
            seen.add(b);
            return b.status().equals(Batch.Status.COMPLETED) || b.status().equals(Batch.Status.CANCELLED);
        });
        return seen.get(seen.size() - 1);
    }

    static List<JsonNode> lines(OpenAIClient client, String fileId) throws Exception {
        try (HttpResponse response = client.files().content(fileId); InputStream body = response.body()) {
            List<JsonNode> out = new ArrayList<>();
            for (String line : new String(body.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
            return out;
        }
    }

    @Test
    void shouldCompleteAThousandLineBatchEvenWhenTheInstanceThatTookItIsKilled(@TempDir Path dir) throws Exception {
        String key = pipeline.key("batcher", "PRO");
        GatewayStage doomed = pipeline.gateway("gw-doomed");
        Batch created = run(sdk(doomed, key), jsonl(dir, 1000));
        doomed.close(); // killed while it publishes the lines: the survivor finds the batch on the topics and finishes it

        Batch done = awaitTerminal(sdk(survivor, key), created.id());

        assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
        assertThat(done.requestCounts()).hasValueSatisfying(c -> {
            assertThat(c.total()).isEqualTo(1000);
            assertThat(c.completed()).isEqualTo(1000);
            assertThat(c.failed()).isZero();
        });
        List<JsonNode> output = lines(sdk(survivor, key), done.outputFileId().orElseThrow());
        assertThat(output).hasSize(1000);
        Set<String> customIds = output.stream().map(l -> l.path("custom_id").asText()).collect(Collectors.toSet());
        assertThat(customIds).hasSize(1000).contains("req-0", "req-999");
        assertThat(output).allSatisfy(l -> {
            assertThat(l.path("response").path("status_code").asInt()).isEqualTo(200);
            assertThat(l.path("response").path("body").path("usage").path("total_tokens").asLong()).isPositive();
        });
        assertThat(done.errorFileId()).isEmpty();
    }

    @Test
    void shouldPutAFreeUsersLinesBeyondItsLimitsInTheErrorFileWithoutCallingTheProvider(@TempDir Path dir) throws Exception {
        String key = pipeline.key("free-batcher", "FREE");
        OpenAIClient client = sdk(survivor, key);
        int callsBefore = pipeline.llm.callCount();

        Batch done = awaitTerminal(client, run(client, jsonl(dir, 15)).id());

        assertThat(done.status()).isEqualTo(Batch.Status.COMPLETED);
        List<JsonNode> output = lines(client, done.outputFileId().orElseThrow());
        List<JsonNode> errors = lines(client, done.errorFileId().orElseThrow());
        assertThat(output).hasSize(10);
        assertThat(errors).hasSize(5).allSatisfy(l -> {
            assertThat(l.path("response").path("status_code").asInt()).isEqualTo(429);
            assertThat(l.path("response").path("body").path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        });
        Set<String> all = new java.util.HashSet<>();
        output.forEach(l -> all.add(l.path("custom_id").asText()));
        errors.forEach(l -> all.add(l.path("custom_id").asText()));
        assertThat(all).hasSize(15);
        assertThat(pipeline.llm.callCount() - callsBefore).isEqualTo(10);
    }
}
