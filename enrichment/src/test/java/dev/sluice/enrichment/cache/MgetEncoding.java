package dev.sluice.enrichment.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.enrichment.CacheKeys;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: what lettuce's I/O thread does with the keys of one lookup part's MGET (100 cache keys), encoding its arguments
 * into the command's buffer, with the codec the stage used before ({@code RedisCodec.of(StringCodec.UTF8,
 * ByteArrayCodec.INSTANCE)}: a new {@code ByteBuffer} per key, then a copy) and with {@link KeyBytesCodec} (in place).
 * Both write the same bytes ({@code KeyBytesCodecTest}). Run by {@code EnrichmentMicroBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MgetEncoding {
    /** Keys per MGET: the stage's lookup part. */
    public static final int KEYS = 100;

    @Param({"composed", "inPlace"})
    public String codec;

    private RedisCodec<String, byte[]> redisCodec;
    private final List<String> keys = new ArrayList<>(KEYS);
    private ByteBuf buffer;

    @Setup
    public void setUp() {
        redisCodec = "composed".equals(codec) ? RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE) : KeyBytesCodec.INSTANCE;
        for (int i = 0; i < KEYS; i++) {
            keys.add(CacheKeys.of("all-minilm-l6-v2-q", "prompt number " + i));
        }
        buffer = PooledByteBufAllocator.DEFAULT.buffer(16 * 1024);
    }

    @TearDown
    public void tearDown() {
        buffer.release();
    }

    /** The arguments of one MGET as lettuce writes them (RESP bulk strings); returns the bytes written. */
    @Benchmark
    public int encodeMgetKeys() {
        buffer.clear();
        new CommandArgs<>(redisCodec).addKeys(keys).encode(buffer);
        return buffer.readableBytes();
    }
}
