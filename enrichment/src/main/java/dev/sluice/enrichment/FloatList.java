package dev.sluice.enrichment;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A read-only {@code List<Float>} view, the Avro {@code array<float>} field without copying: either of a
 * {@code float[]} or of a cache value's little-endian float32 bytes ({@link dev.sluice.enrichment.cache.VectorCodec}),
 * so a cache hit is never decoded into a new array (on the warm path that copy was the largest allocation).
 */
final class FloatList extends AbstractList<Float> implements RandomAccess {
    private static final VarHandle LITTLE_ENDIAN_FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private final float[] values;
    private final byte[] bytes;

    FloatList(float[] values) {
        this.values = values;
        this.bytes = null;
    }

    private FloatList(byte[] bytes) {
        this.values = null;
        this.bytes = bytes;
    }

    /** A view of {@code bytes}, a whole number of little-endian float32 values the caller has validated (not copied). */
    static FloatList ofLittleEndian(byte[] bytes) {
        return new FloatList(bytes);
    }

    @Override
    public Float get(int index) {
        if (values != null) {
            return values[index];
        }
        java.util.Objects.checkIndex(index, bytes.length / Float.BYTES);
        return (float) LITTLE_ENDIAN_FLOAT.get(bytes, index * Float.BYTES);
    }

    /** Writes the values as little-endian float32 (Avro's {@code float}) into {@code out} at {@code pos}; returns the end. */
    int writeLittleEndian(byte[] out, int pos) {
        if (bytes != null) {
            System.arraycopy(bytes, 0, out, pos, bytes.length);
            return pos + bytes.length;
        }
        for (float v : values) {
            LITTLE_ENDIAN_FLOAT.set(out, pos, v);
            pos += Float.BYTES;
        }
        return pos;
    }

    @Override
    public int size() {
        return values != null ? values.length : bytes.length / Float.BYTES;
    }
}
