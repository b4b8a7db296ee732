package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.Role;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/**
 * The enriched record spliced from the received admitted request's bytes and the vector's bytes must be exactly what
 * Avro's writer gives, for every field value, and splicing must be used only where that was verified: records written
 * with this build's own schema whose first record reproduced Avro's bytes.
 */
class EnrichedSerializerTest {
    private static final int ENRICHED_ID = 41;
    private static final int ADMITTED_ID = 7;

    @Test
    void shouldSpliceExactlyTheBytesAvroWritesForAnyRecord() {
        Random random = new Random(15);
        for (int i = 0; i < 2_000; i++) {
            AdmittedRequest admitted = randomAdmitted(random);
            EnrichedRequest value = randomEnriched(random, admitted);
            assertThat(EnrichedSerializer.splice(ENRICHED_ID, wire(ADMITTED_ID, admitted), value))
                    .as("record %d: %s embedding of %d", i, value.getEmbeddingSource(), value.getEmbedding().size())
                    .isEqualTo(wire(ENRICHED_ID, value));
        }
    }

    @Test
    void shouldSpliceOnlyForAReceivedSchemaIdOfItsOwnSchemaWhoseFirstRecordReproducedAvrosBytes() {
        AtomicInteger avroCalls = new AtomicInteger();
        Serializer<EnrichedRequest> avro = (topic, value) -> {
            avroCalls.incrementAndGet();
            return wire(ENRICHED_ID, value);
        };
        int otherVersion = ADMITTED_ID + 2;
        // this build's AdmittedRequest schema is ADMITTED_ID and ADMITTED_ID + 1 (a registry may hold it twice)
        EnrichedSerializer serializer = new EnrichedSerializer(avro, "llm.requests.enriched", id -> id != otherVersion);
        Random random = new Random(16);
        for (int i = 0; i < 100; i++) {
            AdmittedRequest admitted = randomAdmitted(random);
            EnrichedRequest value = randomEnriched(random, admitted);
            assertThat(serializer.serialize(wire(ADMITTED_ID, admitted), value)).isEqualTo(wire(ENRICHED_ID, value));
        }
        assertThat(avroCalls).as("Avro writes the first record of the id, splicing the rest").hasValue(1);

        // Another schema id whose bytes do not decode to the value as written (a newer writer schema the reader
        // resolves, say): splicing would copy fields the output's schema does not have, so Avro writes every record.
        avroCalls.set(0);
        for (int i = 0; i < 100; i++) {
            AdmittedRequest admitted = randomAdmitted(random);
            AdmittedRequest asReceived = AdmittedRequest.newBuilder(admitted).setTier(admitted.getTier() + "-and-more").build();
            EnrichedRequest value = randomEnriched(random, admitted);
            assertThat(serializer.serialize(wire(ADMITTED_ID + 1, asReceived), value)).isEqualTo(wire(ENRICHED_ID, value));
        }
        assertThat(avroCalls).hasValue(100);

        // Another version of the schema whose records' bytes happen to be this build's encoding (its fields in another
        // order, with equal values in these records): never spliced, since a later record may differ.
        avroCalls.set(0);
        for (int i = 0; i < 100; i++) {
            AdmittedRequest admitted = randomAdmitted(random);
            EnrichedRequest value = randomEnriched(random, admitted);
            assertThat(serializer.serialize(wire(otherVersion, admitted), value)).isEqualTo(wire(ENRICHED_ID, value));
        }
        assertThat(avroCalls).as("every record of another schema version encoded by Avro").hasValue(100);
        AdmittedRequest admitted = randomAdmitted(random);
        EnrichedRequest value = randomEnriched(random, admitted);
        avroCalls.set(0);
        assertThat(serializer.serialize(wire(ADMITTED_ID, admitted), value)).isEqualTo(wire(ENRICHED_ID, value));
        assertThat(avroCalls).as("the verified id still splices").hasValue(0);
    }

    private static AdmittedRequest randomAdmitted(Random random) {
        List<ChatMessage> messages = new ArrayList<>();
        for (int m = 0, n = 1 + random.nextInt(3); m < n; m++) {
            messages.add(new ChatMessage(Role.values()[random.nextInt(Role.values().length)], text(random, random.nextInt(300))));
        }
        AdmittedRequest a = TestRequests.admitted(text(random, 1 + random.nextInt(40)), messages);
        a.getRequest().setMetadata(random.nextBoolean() ? Map.of() : Map.of("team", text(random, 8), "trace", text(random, 20)));
        a.setTier(random.nextBoolean() ? "PRO" : "FREE");
        a.setEstimatedInputTokens(random.nextInt(Integer.MAX_VALUE));
        a.setReservedMicros(random.nextLong());
        a.setAdmittedAt(Instant.ofEpochMilli(random.nextLong() >> 20));
        return a;
    }

    private static EnrichedRequest randomEnriched(Random random, AdmittedRequest admitted) {
        EmbeddingSource source = EmbeddingSource.values()[random.nextInt(EmbeddingSource.values().length)];
        List<Float> embedding;
        int dims = source == EmbeddingSource.SKIPPED ? 0 : List.of(1, 3, 384, 1536).get(random.nextInt(4));
        switch (random.nextInt(3)) {
            case 0 -> { // a cache hit: the value's little-endian bytes, including odd floats
                ByteBuffer bytes = ByteBuffer.allocate(dims * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (int d = 0; d < dims; d++) {
                    bytes.putFloat(oddFloat(random));
                }
                embedding = FloatList.ofLittleEndian(bytes.array());
            }
            case 1 -> { // computed
                float[] values = new float[dims];
                for (int d = 0; d < dims; d++) {
                    values[d] = oddFloat(random);
                }
                embedding = new FloatList(values);
            }
            default -> {
                embedding = new ArrayList<>();
                for (int d = 0; d < dims; d++) {
                    embedding.add(oddFloat(random));
                }
            }
        }
        String model = random.nextBoolean() ? "all-minilm-l6-v2" : "modèle-" + text(random, random.nextInt(70));
        return new EnrichedRequest(admitted, model, embedding, source, Instant.ofEpochMilli(random.nextLong() >> 20));
    }

    private static float oddFloat(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> -0.0f;
            case 1 -> Float.MIN_VALUE;
            case 2 -> Float.NEGATIVE_INFINITY;
            case 3 -> Float.NaN;
            default -> (float) random.nextGaussian();
        };
    }

    private static String text(Random random, int length) {
        StringBuilder s = new StringBuilder();
        String alphabet = "abc XYZ 0-9 éß漢字 😀\t\n";
        while (s.length() < length) {
            s.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return s.toString();
    }

    /** The Confluent wire format as Avro's specific writer encodes {@code value}, behind {@code schemaId}. */
    private static <T extends SpecificRecord> byte[] wire(int schemaId, T value) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(new byte[] {0, (byte) (schemaId >>> 24), (byte) (schemaId >>> 16), (byte) (schemaId >>> 8), (byte) schemaId});
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new SpecificDatumWriter<T>(value.getSchema()).write(value, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
