package dev.sluice.reliability;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.testkit.Bytes;

/**
 * The malformed records of R4, one kind after the other. Each is unique (its bytes or its requestId), so the checker
 * can find where it ended: undecodable ones by the fingerprint of their bytes in {@code llm.dlq}, decodable but
 * invalid ones by requestId in {@code llm.requests.rejected} (or {@code llm.dlq}).
 */
final class Malformed {
    /** The kinds of bad input, in the order they are cycled through. */
    enum Kind { BAD_MAGIC_BYTE, UNKNOWN_SCHEMA_ID, TRUNCATED_AVRO, OVERSIZE_PROMPT, INVALID_UTF8, NULL_KEY, GARBAGE_KEY, WRONG_SCHEMA }

    /** One malformed record and how to recognise its outcome ({@code requestId} null when it cannot be decoded). */
    record Bad(Kind kind, byte[] key, byte[] value, String fingerprint, String requestId) {}

    private static final String UTF8_PLACEHOLDER = "utf8-placeholder";
    private final Workload workload;
    private final Pipeline pipeline;

    Malformed(Workload workload, Pipeline pipeline) {
        this.workload = workload;
        this.pipeline = pipeline;
    }

    Bad next(int i) {
        Kind kind = Kind.values()[i % Kind.values().length];
        String user = "r4-" + (i % 20);
        byte[] userKey = user.getBytes(StandardCharsets.UTF_8);
        return switch (kind) {
            case BAD_MAGIC_BYTE -> undecodable(kind, userKey, concat(new byte[] {1, 0, 0, 0, 1}, ("bad magic " + i).getBytes(StandardCharsets.UTF_8)));
            case UNKNOWN_SCHEMA_ID -> undecodable(kind, userKey, concat(ByteBuffer.allocate(5).put((byte) 0).putInt(0x7F000000 + i).array(),
                    ("no such schema " + i).getBytes(StandardCharsets.UTF_8)));
            case TRUNCATED_AVRO -> {
                byte[] whole = serialize(workload.request(user, i));
                yield undecodable(kind, userKey, Arrays.copyOf(whole, whole.length / 2));
            }
            case OVERSIZE_PROMPT -> {
                LlmRequest r = workload.request(user, i);
                r.setMessages(List.of(ChatMessage.newBuilder().setRole(Role.USER).setContent("x".repeat(12_000) + i).build()));
                yield decodable(kind, userKey, r);
            }
            case INVALID_UTF8 -> {
                LlmRequest r = workload.request(UTF8_PLACEHOLDER, i);
                byte[] bytes = serialize(r);
                byte[] placeholder = UTF8_PLACEHOLDER.getBytes(StandardCharsets.UTF_8);
                int at = Bytes.indexOf(bytes, placeholder);
                byte[] invalid = {(byte) 0xC3, (byte) 0x28, (byte) 0xA0, (byte) 0xA1, (byte) 0xE2, (byte) 0x28, (byte) 0xA1, (byte) 0xF0,
                        (byte) 0x28, (byte) 0x8C, (byte) 0xBC, (byte) 0xFF, (byte) 0xFE, (byte) 0xC0, (byte) 0xAF, (byte) 0x80};
                System.arraycopy(invalid, 0, bytes, at, placeholder.length);
                yield new Bad(kind, userKey, bytes, Checker.fingerprint(bytes), r.getRequestId());
            }
            case NULL_KEY -> decodable(kind, null, workload.request(user, i));
            case GARBAGE_KEY -> decodable(kind, new byte[] {(byte) 0xFF, 0, (byte) 0xFE, 7, (byte) i}, workload.request(user, i));
            case WRONG_SCHEMA -> {
                CostEvent cost = CostEvent.newBuilder().setRequestId(java.util.UUID.randomUUID().toString()).setUserId(user)
                        .setModel(Workload.MODEL).setProvider("openai").setInputTokens(1).setOutputTokens(1).setCostMicros(i)
                        .setOccurredAt(Instant.now()).build();
                byte[] bytes = pipeline.catalog.costs().valueSerde().serializer().serialize(pipeline.catalog.costs().name(), cost);
                yield new Bad(kind, userKey, bytes, Checker.fingerprint(bytes), cost.getRequestId());
            }
        };
    }

    private Bad decodable(Kind kind, byte[] key, LlmRequest request) {
        byte[] bytes = serialize(request);
        return new Bad(kind, key, bytes, Checker.fingerprint(bytes), request.getRequestId());
    }

    private static Bad undecodable(Kind kind, byte[] key, byte[] value) {
        return new Bad(kind, key, value, Checker.fingerprint(value), null);
    }

    private byte[] serialize(LlmRequest request) {
        return pipeline.catalog.requests().valueSerde().serializer().serialize(pipeline.catalog.requests().name(), request);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
