package dev.sluice.ingest.wire;

import java.io.IOException;
import java.util.stream.Collectors;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.serde.WireFormat;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Decodes the Avro encoding of an LlmRequest written with exactly this build's schema (no schema resolution), and
 * tells whether the payload held that one datum and nothing after it, so its bytes can be reused in the admitted
 * record ({@link AdmittedSerializer}). {@link #SPLICEABLE} is false (and this path is never taken) if the generated
 * schema no longer has the shape the splice was written for. (Until 2026-12-03 this decoded field by field by hand;
 * JMH measured it no faster than Avro's reader, so Avro's reader with {@code isEnd()} replaced it.)
 */
final class RequestWire {
    /** The schema shape the splice expects (checked once, against the generated class). */
    static final String EXPECTED_SHAPE = "requestId:STRING,userId:STRING,model:STRING,messages:ARRAY<role:ENUM,content:STRING>,"
            + "maxOutputTokens:INT,temperature:UNION<NULL|DOUBLE>,metadata:MAP<STRING>,createdAt:LONG";
    /** Whether this build's LlmRequest has the expected shape. */
    static final boolean SPLICEABLE = EXPECTED_SHAPE.equals(shape(LlmRequest.getClassSchema()));

    // One reader per stream thread: Avro does not promise that a datum reader may be shared between threads.
    private static final ThreadLocal<SpecificDatumReader<LlmRequest>> READER =
            ThreadLocal.withInitial(() -> new SpecificDatumReader<>(LlmRequest.class));

    private RequestWire() {}

    /** A request decoded from a payload, and whether the payload held exactly that one datum. */
    record Decoded(LlmRequest request, boolean exact) {}

    /**
     * Decodes a framed {@code payload} written with this build's LlmRequest schema with Avro's own reader (no schema
     * resolution: the writer's schema is this build's), and asks Avro's decoder whether the datum ended the payload.
     * Throws on anything Avro rejects (the caller then lets the full deserializer decode and report it).
     */
    static Decoded decode(byte[] payload) throws IOException {
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(payload, WireFormat.HEADER_LENGTH,
                payload.length - WireFormat.HEADER_LENGTH, null);
        LlmRequest request = READER.get().read(null, d);
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
