package dev.sluice.tools.dlq;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.schema.DeadLetter;

/**
 * One JSON line per letter: the fields of the {@link DeadLetter} view (same names), plus where the letter sits in the
 * DLQ. The original value (and key) bytes, base64, only when asked for ({@code inspect}).
 */
public final class DeadLetterJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeadLetterJson() {}

    public static String line(Letter letter, boolean withBytes) {
        DeadLetter v = letter.view();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dlqPartition", letter.record().partition());
        m.put("dlqOffset", letter.record().offset());
        m.put("stage", v.getStage());
        m.put("errorClass", v.getErrorClass());
        m.put("message", v.getMessage());
        m.put("attempts", v.getAttempts());
        m.put("originalTopic", v.getOriginalTopic());
        m.put("originalPartition", v.getOriginalPartition());
        m.put("originalOffset", v.getOriginalOffset());
        m.put("requestId", v.getRequestId());
        m.put("userId", v.getUserId());
        m.put("replayCount", v.getReplayCount());
        m.put("failedAt", v.getFailedAt().toString());
        if (withBytes) {
            m.put("originalKey", letter.record().key() == null ? null : Base64.getEncoder().encodeToString(letter.record().key()));
            m.put("originalValue", letter.record().value() == null ? null : Base64.getEncoder().encodeToString(letter.record().value()));
        }
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not render letter " + letter.coordinates(), e);
        }
    }
}
