package dev.sluice.contracts.serde;

/**
 * The Confluent wire format: magic byte {@code 0}, the schema id as a 4-byte big-endian int, then the
 * Avro binary encoding of the datum.
 */
public final class WireFormat {
    /** The first byte of every framed payload. */
    public static final byte MAGIC_BYTE = 0;
    /** Bytes before the Avro datum: magic byte plus schema id. */
    public static final int HEADER_LENGTH = 5;

    private WireFormat() {}

    /** The schema id in a framed payload, or -1 if the bytes are not framed. */
    public static int schemaIdOf(byte[] payload) {
        if (payload == null || payload.length < HEADER_LENGTH || payload[0] != MAGIC_BYTE) {
            return -1;
        }
        return ((payload[1] & 0xff) << 24) | ((payload[2] & 0xff) << 16) | ((payload[3] & 0xff) << 8) | (payload[4] & 0xff);
    }

    /**
     * A new array holding {@code received}'s Avro body behind {@code schemaId}'s header, with {@code room} free bytes
     * after it: for a record whose encoding is another's followed by fields of its own (the body is copied, not
     * decoded; the caller writes its fields from index {@code received.length}).
     */
    public static byte[] rewrap(int schemaId, byte[] received, int room) {
        byte[] out = new byte[received.length + room];
        writeHeader(out, schemaId);
        System.arraycopy(received, HEADER_LENGTH, out, HEADER_LENGTH, received.length - HEADER_LENGTH);
        return out;
    }

    /** Writes the magic byte and {@code schemaId} into the first {@link #HEADER_LENGTH} bytes of {@code target}. */
    public static void writeHeader(byte[] target, int schemaId) {
        target[0] = MAGIC_BYTE;
        target[1] = (byte) (schemaId >>> 24);
        target[2] = (byte) (schemaId >>> 16);
        target[3] = (byte) (schemaId >>> 8);
        target[4] = (byte) schemaId;
    }
}
