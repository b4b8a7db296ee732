package dev.sluice.enrichment.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.lettuce.core.codec.StringCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * lettuce writes {@link KeyBytesCodec#estimateSize} as the RESP length of a key or value and then lets the codec write
 * it in place ({@link KeyBytesCodec#isEstimateExact()}): a size one byte off would desynchronise the connection.
 */
class KeyBytesCodecTest {
    private final KeyBytesCodec codec = KeyBytesCodec.INSTANCE;

    @ParameterizedTest
    @ValueSource(strings = {"emb:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "", "caf\u00e9",
            "e\u0301", "\ud83d\ude00 smile", "\u4e2d\u6587"})
    void shouldWriteAKeyAsItsUtf8BytesInExactlyTheSizeItAnnounces(String key) {
        ByteBuf target = written(key);
        assertThat(codec.isEstimateExact()).isTrue();
        assertThat(codec.estimateSize(key)).isEqualTo(target.readableBytes());
        assertThat(ByteBufUtil.getBytes(target)).isEqualTo(key.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lone \ud800 surrogate", "ends high \ud83d"})
    void shouldWriteALoneSurrogateAsTheComposedCodecDidInTheSizeItAnnounces(String key) {
        ByteBuf target = written(key);
        assertThat(codec.estimateSize(key)).isEqualTo(target.readableBytes());
        assertThat(ByteBuffer.wrap(ByteBufUtil.getBytes(target))).isEqualTo(StringCodec.UTF8.encodeKey(key));
    }

    private ByteBuf written(String key) {
        ByteBuf target = Unpooled.buffer();
        codec.encodeKey(key, target);
        return target;
    }

    @Test
    void shouldWriteAValueUnchangedAndAnnounceItsLength() {
        byte[] value = new byte[1536];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        ByteBuf target = Unpooled.buffer();
        codec.encodeValue(value, target);
        assertThat(codec.estimateSize(value)).isEqualTo(value.length);
        assertThat(ByteBufUtil.getBytes(target)).isEqualTo(value);
        assertThat(codec.decodeValue(ByteBuffer.wrap(value))).isEqualTo(value);
    }

    @Test
    void shouldDecodeKeysAsUtf8() {
        String key = "emb:caf\u00e9";
        assertThat(codec.decodeKey(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))).isEqualTo(key);
    }
}
