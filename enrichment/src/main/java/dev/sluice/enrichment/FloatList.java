package dev.sluice.enrichment;

import java.util.AbstractList;
import java.util.RandomAccess;

/** A read-only {@code List<Float>} view of a {@code float[]}: the Avro {@code array<float>} field without copying. */
final class FloatList extends AbstractList<Float> implements RandomAccess {
    private final float[] values;

    FloatList(float[] values) {
        this.values = values;
    }

    @Override
    public Float get(int index) {
        return values[index];
    }

    @Override
    public int size() {
        return values.length;
    }
}
