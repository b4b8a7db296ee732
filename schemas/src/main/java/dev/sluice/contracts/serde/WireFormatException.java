package dev.sluice.contracts.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes are not a valid Confluent-wire-format Avro payload for this topic. The {@link Kind}
 * says which rule was broken; the message names the topic and never includes payload content.
 * Being a {@link SerializationException}, Kafka Streams hands it to the deserialization exception
 * handler, which dead-letters the record instead of stopping the stage.
 */
public final class WireFormatException extends SerializationException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the bytes. */
    public enum Kind {
        /** The first byte is not the wire format's magic byte 0. */
        BAD_MAGIC_BYTE,
        /** The schema id in bytes 1-4 is not known to the schema registry. */
        UNKNOWN_SCHEMA_ID,
        /** The payload ends before the header or the Avro datum is complete. */
        TRUNCATED,
        /** The Avro datum is malformed (e.g. a negative length or an invalid union index). */
        MALFORMED_AVRO,
        /** The writer schema cannot be read as this topic's type (wrong schema on the right topic). */
        INCOMPATIBLE_SCHEMA
    }

    private final Kind kind;
    private final String topic;

    private WireFormatException(Kind kind, String topic, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.topic = topic;
    }

    static WireFormatException badMagicByte(String topic, byte found) {
        return new WireFormatException(Kind.BAD_MAGIC_BYTE, topic,
                "record on " + topic + " has magic byte " + found + ", expected 0 (Confluent wire format)", null);
    }

    static WireFormatException unknownSchemaId(String topic, int id, Throwable cause) {
        return new WireFormatException(Kind.UNKNOWN_SCHEMA_ID, topic,
                "record on " + topic + " names schema id " + id + ", which the schema registry does not know", cause);
    }

    static WireFormatException truncated(String topic, int length, Throwable cause) {
        return new WireFormatException(Kind.TRUNCATED, topic,
                "record on " + topic + " is truncated (" + length + " bytes)", cause);
    }

    static WireFormatException malformed(String topic, int schemaId, Throwable cause) {
        return new WireFormatException(Kind.MALFORMED_AVRO, topic,
                "record on " + topic + " is not valid Avro for schema id " + schemaId + ": " + cause.getClass().getSimpleName(), cause);
    }

    static WireFormatException incompatible(String topic, int schemaId, String expected, Throwable cause) {
        return new WireFormatException(Kind.INCOMPATIBLE_SCHEMA, topic,
                "record on " + topic + " was written with schema id " + schemaId + ", which cannot be read as " + expected, cause);
    }

    public Kind kind() {
        return kind;
    }

    public String topic() {
        return topic;
    }
}
