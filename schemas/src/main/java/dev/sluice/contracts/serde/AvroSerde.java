package dev.sluice.contracts.serde;

import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes for Sluice's Avro records in the Confluent wire format. */
public final class AvroSerde {
    private AvroSerde() {}

    /** A value serde for {@code type} that registers its schema on first write. */
    public static <T extends SpecificRecord> Serde<T> forValue(SchemaRegistryClient registry, Class<T> type) {
        return of(registry, type, false, true);
    }

    /** A serde for {@code type}, as key or value, registering schemas automatically or only looking them up. */
    public static <T extends SpecificRecord> Serde<T> of(SchemaRegistryClient registry, Class<T> type,
                                                         boolean isKey, boolean autoRegister) {
        return Serdes.serdeFrom(
                new AvroSerializer<>(registry, SpecificData.get().getSchema(type), isKey, autoRegister),
                new AvroDeserializer<>(registry, type));
    }
}
