package dev.sluice.ingest.wire;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.serde.WireFormat;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Decodes llm.requests. Records written with this build's own LlmRequest schema (same registry id, learnt from
 * the first such record) take a direct decoder ({@link RequestWire}) and keep their raw bytes when nothing
 * follows the datum, so AdmittedRequest can reuse them. Everything else, and every record the direct decoder
 * refuses, goes through the catalog's Avro deserializer: bad bytes fail exactly as before and reach the
 * dead-letter handler.
 */
public final class RequestDeserializer implements Deserializer<ReceivedRequest> {
    private final Deserializer<LlmRequest> avro;
    private final Serializer<LlmRequest> current;
    private final Map<Integer, Boolean> currentById = new ConcurrentHashMap<>();

    public RequestDeserializer(Topic<String, LlmRequest> requests) {
        this.avro = requests.valueSerde().deserializer();
        this.current = requests.valueSerde().serializer();
    }

    @Override
    public ReceivedRequest deserialize(String topic, byte[] data) {
        int id = WireFormat.schemaIdOf(data);
        if (id >= 0 && Boolean.TRUE.equals(currentById.get(id))) {
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
        if (isCurrentSchema(topic, id, request)) {
            try {
                reusable = RequestWire.decode(data).exact();
            } catch (IOException | RuntimeException e) {
                reusable = false; // Avro read it, the direct decoder did not: never reuse such bytes
            }
        }
        return new ReceivedRequest(request, reusable ? data : null, data.length);
    }

    // The registry id of this build's LlmRequest schema is learnt once, by encoding one request with it.
    private boolean isCurrentSchema(String topic, int id, LlmRequest request) {
        Boolean known = currentById.get(id);
        if (known != null) {
            return known;
        }
        try {
            boolean same = WireFormat.schemaIdOf(current.serialize(topic, request)) == id;
            currentById.put(id, same);
            return same;
        } catch (RuntimeException e) {
            return false; // registry unreachable or refusing: re-encode this one, ask again next time
        }
    }
}
