package dev.sluice.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The host's I/O pressure (Linux PSI, {@code /proc/pressure/io}) over a measured window, sampled every 100 ms on a
 * daemon thread: how long some task was stalled on I/O in total and in the worst 100 ms. A broker whose disk stalls
 * stalls every stage's transactions (docs/performance-history.md, sixteenth pass), so a benchmark prints this beside
 * its latencies. Where the file is missing (not Linux, PSI off) it says so instead.
 */
final class IoPressure implements AutoCloseable {
    static final Path FILE = Path.of("/proc/pressure/io");
    private static final long SAMPLE_MS = 100;

    private final Thread sampler;
    private final long first;
    private volatile long last;
    private volatile long worstWindow;

    private IoPressure(long first) {
        this.first = first;
        this.last = first;
        this.sampler = new Thread(this::sample, "io-pressure-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Starts sampling, or returns null when the host has no readable PSI file. */
    static IoPressure start() {
        OptionalLong now = read();
        return now.isPresent() ? new IoPressure(now.getAsLong()) : null;
    }

    /** {@code some … total=<µs>} of a PSI file's text: microseconds some task was stalled since boot. */
    static OptionalLong someTotalMicros(String psi) {
        for (String line : psi.split("\n")) {
            if (line.startsWith("some ")) {
                for (String field : line.split(" ")) {
                    if (field.startsWith("total=")) {
                        return OptionalLong.of(Long.parseLong(field.substring("total=".length()).trim()));
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong read() {
        try {
            return someTotalMicros(Files.readString(FILE));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private void sample() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(SAMPLE_MS);
            } catch (InterruptedException e) {
                return;
            }
            OptionalLong now = read();
            if (now.isPresent()) {
                worstWindow = Math.max(worstWindow, now.getAsLong() - last);
                last = now.getAsLong();
            }
        }
    }

    /** E.g. {@code I/O stalled 812 ms in total, worst 100 ms window 53 ms}. */
    String summary() {
        return String.format("I/O stalled %d ms in total, worst 100 ms window %d ms", (last - first) / 1000, worstWindow / 1000);
    }

    /** Human text for a window without PSI. */
    static String unavailable() {
        return "I/O pressure not available (" + FILE + " unreadable)";
    }

    @Override
    public void close() {
        sampler.interrupt(); // ends the sampler's sleep, or its next one
        try {
            sampler.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
