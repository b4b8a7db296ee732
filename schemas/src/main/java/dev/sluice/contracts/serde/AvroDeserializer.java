package dev.sluice.contracts.serde;

import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;

import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.registry.SchemaRegistryException;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-wire-format Avro into a specific record class, resolving the writer's schema (fetched
 * by id from the registry, cached) against the class's own schema, so records written with an older
 * compatible schema decode into the current class. Bad bytes raise a {@link WireFormatException}.
 * A registry that cannot be reached raises {@link SchemaRegistryException}: that is an outage, not a bad
 * record, and must not send good records to the dead-letter topic.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    static {
        trustSluicePackages();
    }

    private final SchemaRegistryClient registry;
    private final Schema readerSchema;
    private final String readerParsingForm;
    private final Map<Integer, Reader<T>> readersByWriterId = new ConcurrentHashMap<>();
    /** The last id {@link #writtenWithOwnSchema} found own; a long, so that no int id can equal its "none" value. */
    private volatile long lastOwnId = Long.MIN_VALUE;

    /** Avro's reader for one writer schema id, and whether that writer schema is this class's own. */
    private record Reader<T>(SpecificDatumReader<T> datum, boolean own) {}

    public AvroDeserializer(SchemaRegistryClient registry, Class<T> type) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.readerSchema = SpecificData.get().getSchema(type);
        this.readerParsingForm = SchemaNormalization.toParsingForm(readerSchema);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < WireFormat.HEADER_LENGTH) {
            if (data.length > 0 && data[0] != WireFormat.MAGIC_BYTE) {
                throw WireFormatException.badMagicByte(topic, data[0]);
            }
            throw WireFormatException.truncated(topic, data.length, null);
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw WireFormatException.badMagicByte(topic, data[0]);
        }
        int id = WireFormat.schemaIdOf(data);
        SpecificDatumReader<T> reader = readerFor(topic, id).datum();
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_LENGTH,
                data.length - WireFormat.HEADER_LENGTH, null);
        try {
            return reader.read(null, decoder);
        } catch (EOFException e) {
            throw WireFormatException.truncated(topic, data.length, e);
        } catch (AvroTypeException e) {
            throw WireFormatException.incompatible(topic, id, readerSchema.getFullName(), e);
        } catch (IOException | RuntimeException e) {
            // Avro signals corrupt input in many ways (negative lengths, bad union index, overflows).
            throw WireFormatException.malformed(topic, id, e);
        }
    }

    /**
     * Whether records of schema id {@code id} were written with exactly the class's own schema (the same parsing
     * canonical form: same fields, order and types), so that their bytes are the class's own encoding and may be
     * copied as such. False for an id this deserializer has not read a record of yet (no registry call is made).
     */
    public boolean writtenWithOwnSchema(int id) {
        if (id == lastOwnId) {
            return true; // a topic's records mostly share one id: no map lookup (a cache miss in admission's profile, 1.7 %)
        }
        Reader<T> reader = readersByWriterId.get(id);
        boolean own = reader != null && reader.own();
        if (own) {
            lastOwnId = id; // readers are never dropped, so an id once own stays own
        }
        return own;
    }

    /**
     * {@link #writtenWithOwnSchema} of {@code deserializer} if it is one of these, else a predicate that is always false
     * (bytes of unknown provenance are never copied).
     */
    public static IntPredicate ownSchemaOf(Deserializer<?> deserializer) {
        if (deserializer instanceof AvroDeserializer<?> avro) {
            return avro::writtenWithOwnSchema;
        }
        return id -> false;
    }

    private Reader<T> readerFor(String topic, int id) {
        Reader<T> reader = readersByWriterId.get(id);
        if (reader != null) {
            return reader;
        }
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw WireFormatException.unknownSchemaId(topic, id, e);
            }
            throw e;
        }
        if (writerSchema.getType() != Schema.Type.RECORD) {
            throw WireFormatException.incompatible(topic, id, readerSchema.getFullName(), null);
        }
        reader = new Reader<>(new SpecificDatumReader<>(writerSchema, readerSchema),
                SchemaNormalization.toParsingForm(writerSchema).equals(readerParsingForm));
        readersByWriterId.put(id, reader);
        return reader;
    }

    // Avro 1.12 refuses to instantiate generated classes from packages it has not been told to trust.
    private static void trustSluicePackages() {
        ClassSecurityValidator.ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(type -> type.getName().startsWith("dev.sluice.") || current.isTrusted(type));
    }
}
