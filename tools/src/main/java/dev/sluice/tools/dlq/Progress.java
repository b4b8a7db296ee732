package dev.sluice.tools.dlq;

import java.io.PrintWriter;

/**
 * A single self-overwriting progress line with rate and ETA, redrawn at most every {@code intervalNanos}. With an
 * unknown total (negative: letters are streamed, not counted first) it shows the count and rate only.
 */
final class Progress {
    private static final long INTERVAL_NANOS = 250_000_000L;
    private final PrintWriter err;
    private final int total;
    private final long startNanos = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    Progress(PrintWriter err, int total) {
        this.err = err;
        this.total = total;
    }

    void update(int done) {
        draw(done, false);
    }

    private void draw(int done, boolean force) {
        long now = System.nanoTime();
        if (!force && (total < 0 || done < total) && now - lastDraw < INTERVAL_NANOS) {
            return;
        }
        lastDraw = now;
        double seconds = Math.max(now - startNanos, 1) / 1e9;
        double rate = done / seconds;
        if (total < 0) {
            err.printf("\r%d sent %,.0f rec/s", done, rate);
            err.flush();
            drawn = true;
            return;
        }
        long etaSeconds = rate > 0 ? Math.round((total - done) / rate) : -1;
        int width = 30;
        int filled = total == 0 ? width : (int) ((long) done * width / total);
        err.printf("\r[%s%s] %d/%d %3d%% %,.0f rec/s ETA %s", "#".repeat(filled), " ".repeat(width - filled), done, total,
                total == 0 ? 100 : done * 100L / total, rate, etaSeconds < 0 ? "--:--" : String.format("%02d:%02d", etaSeconds / 60, etaSeconds % 60));
        err.flush();
        drawn = true;
    }

    /** Draws {@code done} now, whatever the interval (the last count of a streamed replay). */
    void finish(int done) {
        draw(done, true);
    }

    void done() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }
}
