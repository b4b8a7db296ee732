package dev.sluice.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.schema.LlmRequest;
import dev.sluice.schemas.Topic;
import dev.sluice.schemas.serde.WireFormat;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Decodes llm.requests with the catalog's Avro deserializer (so bad bytes fail exactly as before and reach the
 * dead-letter handler) and keeps the raw bytes when they are exactly an encoding of the LlmRequest schema this
 * build embeds in AdmittedRequest: written with that very schema (same registry id) and nothing after the datum.
 * Anything else is re-encoded as before.
 */
final class RequestDeserializer implements Deserializer<ReceivedRequest> {
    private final Deserializer<LlmRequest> avro;
    private final Serializer<LlmRequest> current;
    private final Map<Integer, Boolean> currentById = new ConcurrentHashMap<>();

    RequestDeserializer(Topic<String, LlmRequest> requests) {
        this.avro = requests.valueSerde().deserializer();
        this.current = requests.valueSerde().serializer();
    }

    @Override
    public ReceivedRequest deserialize(String topic, byte[] data) {
        LlmRequest request = avro.deserialize(topic, data);
        if (request == null) {
            return null;
        }
        boolean reusable = RequestWire.SPLICEABLE && isCurrentSchema(topic, data, request) && RequestWire.endsExactly(data);
        return new ReceivedRequest(request, reusable ? data : null);
    }

    // The registry id of this build's LlmRequest schema is learnt once, by encoding one request with it.
    private boolean isCurrentSchema(String topic, byte[] data, LlmRequest request) {
        int id = WireFormat.schemaIdOf(data);
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
