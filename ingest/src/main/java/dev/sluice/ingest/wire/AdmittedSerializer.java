package dev.sluice.ingest.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.contracts.serde.WireFormat;
import org.apache.avro.io.BinaryData;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes AdmittedRequest in the Confluent wire format. Its Avro encoding is the request's encoding followed by
 * tier, estimatedInputTokens, reservedMicros and admittedAt, so when the received bytes are reusable
 * ({@link ReceivedRequest#wire()}) they are copied instead of encoding the whole request again. The first
 * admission per topic is encoded by the catalog's Avro serializer, which gives the schema id; the first reusable
 * one is written both ways and copying is used only if the bytes are identical.
 */
public final class AdmittedSerializer implements Serializer<Admission> {
    private static final Logger log = LoggerFactory.getLogger(AdmittedSerializer.class);
    private static final int MAX_VARLONG = 10;
    private static final int MAX_MISMATCHES = 16;

    private final Serializer<AdmittedRequest> avro;
    private final Map<String, Integer> schemaIds = new ConcurrentHashMap<>();
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();
    private final AtomicInteger mismatches = new AtomicInteger();

    public AdmittedSerializer(Serializer<AdmittedRequest> avro) {
        this.avro = avro;
    }

    @Override
    public byte[] serialize(String topic, Admission admission) {
        if (admission == null) {
            return null;
        }
        Integer id = schemaIds.get(topic);
        byte[] wire = admission.received().wire();
        if (id == null || wire == null || Boolean.FALSE.equals(verified.get(topic))) {
            byte[] encoded = avro.serialize(topic, admission.toAvro());
            schemaIds.putIfAbsent(topic, WireFormat.schemaIdOf(encoded));
            return encoded;
        }
        byte[] spliced = splice(id, wire, admission);
        if (!verified.containsKey(topic)) {
            byte[] encoded = avro.serialize(topic, admission.toAvro());
            if (Arrays.equals(spliced, encoded)) {
                verified.put(topic, true);
            } else if (mismatches.incrementAndGet() >= MAX_MISMATCHES) {
                // A producer may encode non-canonically (still valid); only repeated mismatches mean a layout change.
                verified.put(topic, false);
                log.warn("copying request bytes into {} does not reproduce the Avro encoding; encoding every record instead", topic);
            }
            return encoded;
        }
        return spliced;
    }

    static byte[] splice(int schemaId, byte[] requestWire, Admission a) {
        byte[] tier = a.tier().getBytes(StandardCharsets.UTF_8);
        byte[] out = WireFormat.rewrap(schemaId, requestWire, MAX_VARLONG + tier.length + 3 * MAX_VARLONG);
        int pos = requestWire.length;
        pos += BinaryData.encodeLong(tier.length, out, pos);
        System.arraycopy(tier, 0, out, pos, tier.length);
        pos += tier.length;
        pos += BinaryData.encodeLong(a.inputTokens(), out, pos);
        pos += BinaryData.encodeLong(a.reservedMicros(), out, pos);
        pos += BinaryData.encodeLong(a.admittedAt(), out, pos);
        return Arrays.copyOf(out, pos);
    }
}
