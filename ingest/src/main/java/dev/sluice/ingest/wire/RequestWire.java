package dev.sluice.ingest.wire;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.contracts.serde.WireFormat;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes the Avro encoding of an LlmRequest written with exactly this build's schema, field by field (no
 * schema resolution), and tells whether the payload held that one datum and nothing after it, so its bytes
 * can be reused. {@link #SPLICEABLE} is false (and this path is never taken) if the generated schema no
 * longer has the shape this decoder expects.
 */
final class RequestWire {
    /** The schema shape {@link #endsExactly} walks. */
    static final String EXPECTED_SHAPE = "requestId:STRING,userId:STRING,model:STRING,messages:ARRAY<role:ENUM,content:STRING>,"
            + "maxOutputTokens:INT,temperature:UNION<NULL|DOUBLE>,metadata:MAP<STRING>,createdAt:LONG";
    /** Whether this build's LlmRequest has the expected shape. */
    static final boolean SPLICEABLE = EXPECTED_SHAPE.equals(shape(LlmRequest.getClassSchema()));

    private static final Role[] ROLES = Role.values();

    private RequestWire() {}

    /** A request decoded from a payload, and whether the payload held exactly that one datum. */
    record Decoded(LlmRequest request, boolean exact) {}

    /**
     * Decodes a framed {@code payload} written with this build's LlmRequest schema, with Avro's own primitive
     * decoding. Throws on anything Avro would reject (the caller then lets Avro decode and report it).
     */
    static Decoded decode(byte[] payload) throws IOException {
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(payload, WireFormat.HEADER_LENGTH,
                payload.length - WireFormat.HEADER_LENGTH, null);
        String requestId = d.readString();
        String userId = d.readString();
        String model = d.readString();
        List<ChatMessage> messages = new ArrayList<>();
        for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
            for (long i = 0; i < n; i++) {
                messages.add(new ChatMessage(ROLES[d.readEnum()], d.readString()));
            }
        }
        int maxOutputTokens = d.readInt();
        int branch = d.readIndex();
        if (branch > 1) {
            throw new IOException("union branch " + branch + " of temperature");
        }
        Double temperature = branch == 1 ? d.readDouble() : null;
        Map<String, String> metadata = new HashMap<>();
        for (long n = d.readMapStart(); n != 0; n = d.mapNext()) {
            for (long i = 0; i < n; i++) {
                metadata.put(d.readString(), d.readString());
            }
        }
        Instant createdAt = Instant.ofEpochMilli(d.readLong());
        LlmRequest request = new LlmRequest(requestId, userId, model, messages, maxOutputTokens, temperature, metadata, createdAt);
        return new Decoded(request, d.isEnd());
    }

    static String shape(Schema s) {
        return switch (s.getType()) {
            case RECORD -> s.getFields().stream().map(f -> f.name() + ":" + shape(f.schema())).collect(Collectors.joining(","));
            case ARRAY -> "ARRAY<" + shape(s.getElementType()) + ">";
            case MAP -> "MAP<" + shape(s.getValueType()) + ">";
            case UNION -> s.getTypes().stream().map(RequestWire::shape).collect(Collectors.joining("|", "UNION<", ">"));
            default -> s.getType().name();
        };
    }
}
