package dev.sluice.enrichment.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Cache values: a float32 vector as little-endian bytes (4 bytes per dimension, no header). */
public final class VectorCodec {
    private VectorCodec() {}

    public static byte[] encode(float[] vector) {
        ByteBuffer buf = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(vector);
        return buf.array();
    }

    /**
     * The vector, or null when {@code bytes} is not {@code dimensions} float32 values (a corrupt or foreign entry).
     * A negative {@code dimensions} (not known yet) accepts any non-empty whole number of floats.
     */
    public static float[] decode(byte[] bytes, int dimensions) {
        if (!valid(bytes, dimensions)) {
            return null;
        }
        float[] out = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /**
     * True when {@code bytes} is {@code dimensions} float32 values (any non-empty whole number of them for a negative
     * {@code dimensions}): what {@link #decode} accepts, checked without decoding.
     */
    public static boolean valid(byte[] bytes, int dimensions) {
        return bytes != null && bytes.length != 0 && bytes.length % Float.BYTES == 0
                && (dimensions < 0 || bytes.length == dimensions * Float.BYTES);
    }
}
