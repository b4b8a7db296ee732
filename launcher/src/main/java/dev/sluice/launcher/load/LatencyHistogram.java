package dev.sluice.launcher.load;

import java.io.PrintWriter;
import java.util.Arrays;

/**
 * Latencies in milliseconds, kept exactly (a long per sample: a minute at 1,000/s is 480 KB), with
 * percentiles by nearest rank and a printable log-scale histogram. Thread-safe.
 */
public final class LatencyHistogram {
    private static final long[] BOUNDS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, Long.MAX_VALUE};

    private long[] samples = new long[1024];
    private int count;

    public synchronized void record(long millis) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = Math.max(0, millis);
    }

    public synchronized int count() {
        return count;
    }

    /** The {@code p}-th percentile (0 &lt; p ≤ 100) by nearest rank, or -1 without samples. */
    public synchronized long percentile(double p) {
        if (count == 0) {
            return -1;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.min(count, Math.max(1, rank)) - 1];
    }

    public synchronized long max() {
        return count == 0 ? -1 : Arrays.stream(samples, 0, count).max().orElse(-1);
    }

    /** Percentiles, then one bar per bucket ({@code ≤ 5 ms ####### 1234}). */
    public synchronized void print(PrintWriter out, String title) {
        out.printf("%s: %d samples  p50 %d ms  p90 %d ms  p99 %d ms  p99.9 %d ms  max %d ms%n", title, count,
                percentile(50), percentile(90), percentile(99), percentile(99.9), max());
        long[] buckets = new long[BOUNDS_MS.length];
        for (int i = 0; i < count; i++) {
            int b = 0;
            while (samples[i] > BOUNDS_MS[b]) {
                b++;
            }
            buckets[b]++;
        }
        long most = Arrays.stream(buckets).max().orElse(0);
        for (int b = 0; b < buckets.length; b++) {
            if (buckets[b] == 0) {
                continue;
            }
            String label = BOUNDS_MS[b] == Long.MAX_VALUE ? ">  10000 ms" : String.format("≤ %6d ms", BOUNDS_MS[b]);
            int bar = most == 0 ? 0 : (int) Math.max(1, 40 * buckets[b] / most);
            out.printf("  %s %-40s %d%n", label, "#".repeat(bar), buckets[b]);
        }
        out.flush();
    }
}
