package dev.sluice.ingest.admission;

import java.time.Instant;

import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;

/** Builds {@link RejectedRequest}s: ids echoed (truncated), a rule and a detail, never prompt text. */
final class Rejections {
    private static final int MAX_ECHO = 128;

    private Rejections() {}

    static RejectedRequest of(LlmRequest request, long at, RejectReason reason, String field, String rule,
                              String detail, Long retryAfterMs) {
        return RejectedRequest.newBuilder()
                .setRequestId(echo(request.getRequestId()))
                .setUserId(echo(request.getUserId()))
                .setModel(echo(request.getModel()))
                .setReason(reason)
                .setField(field)
                .setRule(rule)
                .setDetail(detail)
                .setRetryAfterMs(retryAfterMs)
                .setRequestCreatedAt(request.getCreatedAt())
                .setRejectedAt(Instant.ofEpochMilli(at))
                .build();
    }

    /** A record with no value at all (a tombstone on llm.requests). */
    static RejectedRequest nullValue(String key, long at) {
        return RejectedRequest.newBuilder()
                .setRequestId("").setUserId(key == null ? "" : echo(key)).setModel("")
                .setReason(RejectReason.INVALID).setField("value").setRule("must not be null")
                .setDetail("the record has no value; send an LlmRequest")
                .setRetryAfterMs(null)
                .setRequestCreatedAt(Instant.ofEpochMilli(at)).setRejectedAt(Instant.ofEpochMilli(at))
                .build();
    }

    /** Caller-chosen strings are echoed for correlation only, and cut so a hostile value cannot bloat the topic. */
    static String echo(String s) {
        return s.length() <= MAX_ECHO ? s : s.substring(0, MAX_ECHO) + "…";
    }
}
