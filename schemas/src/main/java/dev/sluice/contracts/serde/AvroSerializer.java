package dev.sluice.contracts.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Objects;

import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro specific records in the Confluent wire format, registering (or looking up) the record's
 * schema under the TopicNameStrategy subject {@code <topic>-value} or {@code <topic>-key}.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    private final SchemaRegistryClient registry;
    private final Schema schema;
    private final boolean isKey;
    private final boolean autoRegister;
    private final SpecificDatumWriter<T> writer;

    public AvroSerializer(SchemaRegistryClient registry, Schema schema, boolean isKey, boolean autoRegister) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.schema = Objects.requireNonNull(schema, "schema");
        this.isKey = isKey;
        this.autoRegister = autoRegister;
        this.writer = new SpecificDatumWriter<>(schema);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null; // a tombstone stays a tombstone
        }
        String subject = subject(topic, isKey);
        int id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(new byte[WireFormat.HEADER_LENGTH]);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(data, encoder);
            encoder.flush();
            byte[] bytes = out.toByteArray();
            WireFormat.writeHeader(bytes, id);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("could not encode a " + schema.getName() + " for " + topic
                    + ": " + e.getClass().getSimpleName(), e);
        }
    }

    /** The TopicNameStrategy subject for a topic. */
    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }
}
