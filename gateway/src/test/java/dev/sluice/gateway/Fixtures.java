package dev.sluice.gateway;

import java.time.Instant;
import java.util.Map;

import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;

/** Outcome records for unit tests. */
public final class Fixtures {
    private Fixtures() {}

    public static GenerationResult result(String user, String requestId, String content) {
        return GenerationResult.newBuilder().setRequestId(requestId).setUserId(user).setModel("gpt-4o-mini").setProvider("mock")
                .setContent(content).setFinishReason("stop").setInputTokens(12).setOutputTokens(5).setCostMicros(9).setCacheHit(false)
                .setAttempts(1).setLatencyMs(3).setMetadata(Map.of()).setCompletedAt(Instant.ofEpochSecond(1_700_000_000)).build();
    }

    public static RejectedRequest rejected(String user, String requestId, RejectReason reason, String field, String rule, Long retryAfterMs,
                                           Instant at) {
        return RejectedRequest.newBuilder().setRequestId(requestId).setUserId(user).setModel("gpt-4o-mini").setReason(reason)
                .setField(field).setRule(rule).setDetail("detail of " + reason).setRetryAfterMs(retryAfterMs)
                .setRequestCreatedAt(at).setRejectedAt(at).build();
    }
}
