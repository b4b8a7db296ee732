package dev.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** Signals to a child process by name ({@code STOP}, {@code CONT}, …): a stall the JVM cannot notice or prevent (a long GC, a frozen VM). */
public final class Signals {
    private Signals() {}

    /** Sends {@code SIG<signal>} to {@code process} with {@code kill}; fails if {@code kill} does not succeed within 10 s. */
    public static void send(Process process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending " + signal, e);
        }
    }
}
