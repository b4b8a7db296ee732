package dev.sluice.ingest;

import java.io.IOException;
import java.util.stream.Collectors;

import dev.sluice.schema.LlmRequest;
import dev.sluice.schemas.serde.WireFormat;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Walks the Avro encoding of an LlmRequest without building it, to prove a payload holds one datum and
 * nothing after it. The walk mirrors the schema field by field; {@link #SPLICEABLE} is false (and bytes are
 * never reused) if the generated schema no longer has the shape this walk expects.
 */
final class RequestWire {
    /** The schema shape {@link #endsExactly} walks. */
    static final String EXPECTED_SHAPE = "requestId:STRING,userId:STRING,model:STRING,messages:ARRAY<role:ENUM,content:STRING>,"
            + "maxOutputTokens:INT,temperature:UNION<NULL|DOUBLE>,metadata:MAP<STRING>,createdAt:LONG";
    /** Whether this build's LlmRequest has the expected shape. */
    static final boolean SPLICEABLE = EXPECTED_SHAPE.equals(shape(LlmRequest.getClassSchema()));

    private RequestWire() {}

    /** True if the framed {@code payload} is exactly one LlmRequest encoding (already known to decode). */
    static boolean endsExactly(byte[] payload) {
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(payload, WireFormat.HEADER_LENGTH,
                payload.length - WireFormat.HEADER_LENGTH, null);
        try {
            d.skipString();
            d.skipString();
            d.skipString();
            for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
                for (long i = 0; i < n; i++) {
                    d.readEnum();
                    d.skipString();
                }
            }
            d.readInt();
            int branch = d.readIndex();
            if (branch == 1) {
                d.readDouble();
            } else if (branch != 0) {
                return false;
            }
            for (long n = d.readMapStart(); n != 0; n = d.mapNext()) {
                for (long i = 0; i < n; i++) {
                    d.skipString();
                    d.skipString();
                }
            }
            d.readLong();
            return d.isEnd();
        } catch (IOException | RuntimeException e) {
            return false;
        }
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
