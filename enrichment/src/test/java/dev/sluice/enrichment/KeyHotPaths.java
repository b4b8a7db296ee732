package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: a prompt's cache key the way the warm path makes it ({@link EmbeddingText#cacheKey}: ASCII checked and
 * normalised in its bytes, hashed without a String) against the general path the stage keeps for misses and non-ASCII
 * text (normalise to a String, then {@link CacheKeys#of(String, String)}). Both give the same key
 * ({@code PinnedCacheKeysTest}, {@code NormalisedKeyPropertyTest}). Run by {@code EnrichmentMicroBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyHotPaths {
    private static final String MODEL = "all-minilm-l6-v2-q";
    private static final byte[] MODEL_UTF8 = MODEL.getBytes(StandardCharsets.UTF_8);

    /** "normalised": a lowercase single-spaced prompt (the common case); "messy": mixed case and runs of spaces. */
    @Param({"normalised", "messy"})
    public String kind;

    private String prompt;

    @Setup
    public void setUp() {
        String text = "how do i configure a kafka consumer for exactly once processing with transactions when the broker "
                + "restarts and redis cache misses increase latency";
        prompt = "messy".equals(kind) ? ("  How Do I  " + text.replace(" the ", "   THE ") + " ?\n") : text;
    }

    @Benchmark
    public String warmPathKey() {
        return EmbeddingText.cacheKey(prompt, MODEL_UTF8, true, 4096);
    }

    @Benchmark
    public String generalKey() {
        return CacheKeys.of(MODEL, EmbeddingText.normalise(prompt, true, 4096).text());
    }
}
