package dev.sluice.launcher.load;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A live progress line, redrawn in place every half second on a terminal ({@code \r}) and printed as a
 * plain line every few seconds otherwise (logs, tests).
 */
public final class Progress implements AutoCloseable {
    private final PrintStream out;
    private final Supplier<String> line;
    private final boolean terminal;
    private final ScheduledExecutorService timer;
    private long ticks;

    public Progress(PrintStream out, Supplier<String> line) {
        this.out = out;
        this.line = line;
        this.terminal = System.console() != null;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::draw, 500, 500, TimeUnit.MILLISECONDS);
    }

    private synchronized void draw() {
        ticks++;
        if (terminal) {
            out.print("\r\033[K" + line.get());
            out.flush();
        } else if (ticks % 10 == 0) {
            out.println(line.get());
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println(line.get());
        out.flush();
    }
}
