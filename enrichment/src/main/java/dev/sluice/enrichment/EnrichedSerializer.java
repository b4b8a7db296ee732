package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import dev.sluice.contracts.serde.WireFormat;
import dev.sluice.schema.EnrichedRequest;
import org.apache.avro.io.BinaryData;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes EnrichedRequest in the Confluent wire format. Its Avro encoding is the admitted request's encoding followed by
 * embeddingModel, embedding, embeddingSource and enrichedAt, and a cached embedding is already the array's items (384
 * little-endian float32), so the output is spliced from the received bytes and the vector's bytes instead of encoded
 * again: Avro's writer spent ~14 µs a record on the 384 boxed floats alone (2026-12-06), more than the rest of the
 * stage's work on the record. Used only where it reproduces Avro's bytes: for a schema id of received admitted
 * requests written with exactly this build's AdmittedRequest schema, and once the id's first record, written both
 * ways, gave identical bytes. A request written with another schema version is always encoded by Avro, even when its
 * bytes happen to match (another field order, say, with equal values in the first record); one written
 * non-canonically, until it mismatched {@link #MAX_MISMATCHES} times. Not thread-safe: one per loop.
 */
final class EnrichedSerializer {
    private static final Logger log = LoggerFactory.getLogger(EnrichedSerializer.class);
    private static final int MAX_VARINT = 5;
    private static final int MAX_VARLONG = 10;
    /** Mismatches of one input schema id before splicing is given up for it (a producer may encode non-canonically). */
    private static final int MAX_MISMATCHES = 16;

    private final Serializer<EnrichedRequest> avro;
    private final String topic;
    /** Whether a received schema id is this build's own AdmittedRequest schema (known once a record of it was read). */
    private final IntPredicate ownSchema;
    /** The output's schema id, from the last record Avro's serializer wrote. */
    private int outputId;
    /** Per schema id of received admitted requests: true once splicing reproduced Avro's bytes, false once given up. */
    private final Map<Integer, Boolean> verified = new HashMap<>();
    private final Map<Integer, Integer> mismatches = new HashMap<>();

    EnrichedSerializer(Serializer<EnrichedRequest> avro, String topic, IntPredicate ownSchema) {
        this.avro = avro;
        this.topic = topic;
        this.ownSchema = ownSchema;
    }

    /** The wire bytes of {@code value}, whose admitted request was received as {@code admittedWire}. */
    byte[] serialize(byte[] admittedWire, EnrichedRequest value) {
        int inputId = WireFormat.schemaIdOf(admittedWire);
        Boolean ok = verified.get(inputId);
        if (Boolean.TRUE.equals(ok)) { // verified only after Avro wrote a record, so outputId is known
            return splice(outputId, admittedWire, value);
        }
        byte[] encoded = avro.serialize(topic, value);
        outputId = WireFormat.schemaIdOf(encoded);
        if (ok == null) {
            if (!ownSchema.test(inputId)) {
                verified.put(inputId, false);
                log.info("admitted requests of schema id {} were written with another version of the schema; encoding them for {}"
                        + " with Avro", inputId, topic);
            } else if (Arrays.equals(splice(outputId, admittedWire, value), encoded)) {
                verified.put(inputId, true);
            } else if (mismatches.merge(inputId, 1, Integer::sum) >= MAX_MISMATCHES) {
                verified.put(inputId, false);
                log.warn("copying admitted requests of schema id {} into {} does not reproduce the Avro encoding; encoding"
                        + " every such record instead", inputId, topic);
            }
        }
        return encoded;
    }

    /** The received admitted request's Avro body, then the enrichment's fields, behind {@code schemaId}'s header. */
    static byte[] splice(int schemaId, byte[] admittedWire, EnrichedRequest value) {
        byte[] model = value.getEmbeddingModel().getBytes(StandardCharsets.UTF_8);
        List<Float> embedding = value.getEmbedding();
        int items = embedding.size();
        byte[] out = WireFormat.rewrap(schemaId, admittedWire,
                MAX_VARINT + model.length + MAX_VARLONG + items * Float.BYTES + 1 + MAX_VARINT + MAX_VARLONG);
        int pos = admittedWire.length;
        pos += BinaryData.encodeInt(model.length, out, pos);
        System.arraycopy(model, 0, out, pos, model.length);
        pos += model.length;
        if (items > 0) { // an array in one block: its count, its items, then the empty block that ends it
            pos += BinaryData.encodeLong(items, out, pos);
            pos = embedding instanceof FloatList floats ? floats.writeLittleEndian(out, pos) : writeEach(embedding, out, pos);
        }
        out[pos++] = 0;
        pos += BinaryData.encodeInt(value.getEmbeddingSource().ordinal(), out, pos);
        pos += BinaryData.encodeLong(value.getEnrichedAt().toEpochMilli(), out, pos);
        return Arrays.copyOf(out, pos);
    }

    private static int writeEach(List<Float> values, byte[] out, int pos) {
        for (Float f : values) {
            pos += BinaryData.encodeFloat(f, out, pos);
        }
        return pos;
    }
}
