package dev.sluice.ingest.admission;

import java.util.concurrent.TimeUnit;

import dev.sluice.ingest.TierLimits;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the sliding window's work for one admitted request of a user who already sent {@link #perMinute} requests in the
 * last minute: decode the user's state, drop what left the window, check the limits, admit, encode again (what
 * admission does per request before the store write). Run by {@code IngestMicroBenchmark} ({@code -Pbench}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WindowHotPaths {
    @Param({"10", "100", "1000", "10000"})
    public int perMinute;

    private static final TierLimits LIMITS = new TierLimits(1_000_000, 1_000_000_000, 1_000_000_000_000L, 1_000_000_000_000L);
    private final MapChunks chunks = new MapChunks();
    private byte[] stored;
    private long now;

    @Setup
    public void setUp() {
        UserState state = new UserState();
        long start = 1_764_000_000_000L;
        state.rollTo(UserState.dayOf(start));
        for (int i = 0; i < perMinute; i++) {
            state.admit(start + i * (59_000L / perMinute), 100 + i % 50, chunks);
        }
        stored = state.encode();
        now = start + 59_500L;
    }

    @Benchmark
    public byte[] admitOne() {
        UserState state = UserState.decode(stored);
        state.prune(now, chunks);
        if (RateLimit.check(state, now, LIMITS, 130, chunks) != null) {
            throw new IllegalStateException("limited");
        }
        state.admit(now, 130, chunks);
        return state.encode();
    }
}
