package dev.sluice.ingest.wire;

import java.io.IOException;
import java.util.function.IntPredicate;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.serde.AvroDeserializer;
import dev.sluice.contracts.serde.WireFormat;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes llm.requests. Records written with this build's own LlmRequest schema (the writer schema Avro resolved
 * for the id of the first such record: {@link AvroDeserializer#writtenWithOwnSchema}) take a direct decoder ({@link RequestWire}) and keep their raw bytes when nothing
 * follows the datum, so AdmittedRequest can reuse them. Everything else, and every record the direct decoder
 * refuses, goes through the catalog's Avro deserializer: bad bytes fail exactly as before and reach the
 * dead-letter handler.
 */
public final class RequestDeserializer implements Deserializer<ReceivedRequest> {
    private final Deserializer<LlmRequest> avro;
    /** Whether a schema id's records were written with this build's own LlmRequest schema (known once one was read). */
    private final IntPredicate ownSchema;

    public RequestDeserializer(Topic<String, LlmRequest> requests) {
        this.avro = requests.valueSerde().deserializer();
        this.ownSchema = AvroDeserializer.ownSchemaOf(avro);
    }

    @Override
    public ReceivedRequest deserialize(String topic, byte[] data) {
        int id = WireFormat.schemaIdOf(data);
        if (ownSchema.test(id)) {
            try {
                RequestWire.Decoded decoded = RequestWire.decode(data);
                return new ReceivedRequest(decoded.request(), decoded.exact() ? data : null, data.length);
            } catch (IOException | RuntimeException e) {
                // Bad bytes: Avro decodes again below and raises the precise WireFormatException.
            }
        }
        LlmRequest request = avro.deserialize(topic, data);
        if (request == null) {
            return null;
        }
        boolean reusable = false;
        if (ownSchema.test(id)) { // the first record of an id: Avro has just read it
            try {
                reusable = RequestWire.decode(data).exact();
            } catch (IOException | RuntimeException e) {
                reusable = false; // Avro read it, the direct decoder did not: never reuse such bytes
            }
        }
        return new ReceivedRequest(request, reusable ? data : null, data.length);
    }
}
