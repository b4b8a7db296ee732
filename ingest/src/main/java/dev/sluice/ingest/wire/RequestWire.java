package dev.sluice.ingest.wire;

import java.io.IOException;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.serde.WireFormat;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Decodes the Avro encoding of an LlmRequest written with exactly this build's schema (no schema resolution), and
 * tells whether the payload held that one datum and nothing after it, so its bytes can be reused in the admitted
 * record ({@link AdmittedSerializer}, which checks the copy against Avro's own encoding before it relies on it). (Until
 * 2026-12-03 this decoded field by field by hand, guarded by a check of the schema's shape; JMH measured it no faster
 * than Avro's reader, so Avro's reader with {@code isEnd()} replaced both.)
 */
final class RequestWire {
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
}
