package dev.sluice.enrichment.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VectorCodecTest {
    @Test
    void shouldWriteFloat32LittleEndianWhenEncoding() {
        // 1.0f is 0x3F800000; little-endian puts the low byte first.
        assertThat(VectorCodec.encode(new float[] {1.0f, -2.5f}))
                .containsExactly(0x00, 0x00, (byte) 0x80, 0x3F, 0x00, 0x00, 0x20, (byte) 0xC0);
    }

    @Test
    void shouldRoundTripWhenDimensionsMatch() {
        float[] v = {0.1f, -0.2f, 3e-8f, Float.MAX_VALUE};
        assertThat(VectorCodec.decode(VectorCodec.encode(v), 4)).containsExactly(v);
    }

    @Test
    void shouldTreatEntryAsMissingWhenLengthIsWrong() {
        assertThat(VectorCodec.decode(new byte[7], 2)).isNull();
        assertThat(VectorCodec.decode(new byte[12], 2)).isNull();
        assertThat(VectorCodec.decode(null, 2)).isNull();
        assertThat(VectorCodec.decode(new byte[12], -1)).hasSize(3);
    }

    @Test
    void shouldAcceptExactlyWhatDecodeAcceptsWhenValidating() {
        assertThat(VectorCodec.valid(VectorCodec.encode(new float[] {1f, 2f}), 2)).isTrue();
        assertThat(VectorCodec.valid(new byte[7], 2)).isFalse();
        assertThat(VectorCodec.valid(new byte[12], 2)).isFalse();
        assertThat(VectorCodec.valid(null, 2)).isFalse();
        assertThat(VectorCodec.valid(new byte[0], -1)).isFalse();
        assertThat(VectorCodec.valid(new byte[12], -1)).isTrue();
    }
}
