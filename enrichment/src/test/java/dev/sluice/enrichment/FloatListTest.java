package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.enrichment.cache.VectorCodec;
import org.junit.jupiter.api.Test;

class FloatListTest {
    private static final float[] VECTOR = {0.1f, -0.2f, 3e-8f, Float.MAX_VALUE, Float.NaN};

    @Test
    void shouldReadTheSameFloatsAsDecodeWhenViewingCacheBytes() {
        FloatList view = FloatList.ofLittleEndian(VectorCodec.encode(VECTOR));
        assertThat(view).hasSize(VECTOR.length).isEqualTo(new FloatList(VectorCodec.decode(VectorCodec.encode(VECTOR), 5)));
        assertThat(view).containsExactly(0.1f, -0.2f, 3e-8f, Float.MAX_VALUE, Float.NaN);
    }

    @Test
    void shouldRejectAnIndexPastTheEndWhenViewingCacheBytes() {
        FloatList view = FloatList.ofLittleEndian(new byte[8]);
        assertThatThrownBy(() -> view.get(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> view.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
