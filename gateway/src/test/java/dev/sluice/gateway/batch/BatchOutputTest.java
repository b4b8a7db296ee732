package dev.sluice.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.http.Json;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.schema.GenerationResult;
import org.junit.jupiter.api.Test;

class BatchOutputTest {
    static GenerationResult result(String requestId) {
        return GenerationResult.newBuilder().setRequestId(requestId).setUserId("u").setModel("gpt-4o-mini").setProvider("openai")
                .setContent("hi").setFinishReason("stop").setInputTokens(3).setOutputTokens(1).setCostMicros(1).setCacheHit(false)
                .setAttempts(1).setLatencyMs(5).setCompletedAt(Instant.EPOCH).setMetadata(Map.of()).build();
    }

    @Test
    void shouldListAnsweredLinesAsOutputAndUnansweredOnesAsExpiredErrorsOfAnExpiredBatch() throws Exception {
        BatchProgress p = new BatchProgress("batch_1", "u", new String[] {"a", "b", "c"}, new String[3]);
        p.offer(0, new Outcome.Completed(result(BatchProgress.requestId("batch_1", 0))));
        ObjectNode batch = Json.object().put("id", "batch_1").put("status", "expired").put("created_at", 0).put("expired_at", 86_400)
                .put("endpoint", "/v1/chat/completions").put("input_file_id", "file-1");

        ByteArrayOutputStream output = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        BatchOutput.write(batch, p, BatchOutput.Kind.OUTPUT, output);
        BatchOutput.write(batch, p, BatchOutput.Kind.ERRORS, errors);

        assertThat(output.toString(StandardCharsets.UTF_8).lines()).singleElement().satisfies(l -> assertThat(l).contains("\"custom_id\":\"a\""));
        List<String> errorLines = errors.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(errorLines).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"code\":\"batch_expired\""));
        ObjectNode view = BatchOutput.view(batch, p, Map.<String, Object>of("total", 3, "completed", 1, "failed", 0));
        assertThat(view.path("status").asText()).isEqualTo("expired");
        assertThat(view.path("expired_at").asLong()).isEqualTo(86_400);
        assertThat(view.path("output_file_id").asText()).isEqualTo("file-out-batch_1");
        assertThat(view.path("error_file_id").asText()).isEqualTo("file-err-batch_1");
    }
}
