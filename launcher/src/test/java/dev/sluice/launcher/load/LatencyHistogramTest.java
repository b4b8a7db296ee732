package dev.sluice.launcher.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void shouldComputeNearestRankPercentiles() {
        LatencyHistogram h = new LatencyHistogram();
        for (int ms = 1; ms <= 100; ms++) {
            h.record(ms);
        }
        h.record(5_000);

        assertThat(h.count()).isEqualTo(101);
        assertThat(h.percentile(50)).isEqualTo(51);
        assertThat(h.percentile(99)).isEqualTo(100);
        assertThat(h.percentile(100)).isEqualTo(5_000);
        assertThat(h.max()).isEqualTo(5_000);
    }

    @Test
    void shouldPrintBucketsWithCounts() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(3);
        h.record(4);
        h.record(700);
        StringWriter out = new StringWriter();

        h.print(new PrintWriter(out), "e2e");

        assertThat(out.toString()).contains("e2e: 3 samples").contains("≤      5 ms").contains("≤   1000 ms");
    }

    @Test
    void shouldReportNoPercentileWithoutSamples() {
        assertThat(new LatencyHistogram().percentile(99)).isEqualTo(-1);
    }
}
