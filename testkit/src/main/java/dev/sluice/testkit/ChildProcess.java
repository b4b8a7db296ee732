package dev.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A server started as an OS child process, its output captured to a log file, destroyed with the JVM.
 * Fixtures build on this so a crashed test run never leaves servers behind.
 */
final class ChildProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, name + "-reaper"));
    }

    static ChildProcess start(String name, List<String> command, Path workDir, Path log) {
        try {
            Files.createDirectories(workDir);
            Process p = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ChildProcess(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + ": " + command.get(0), e);
        }
    }

    /** Polls {@code ready} until it holds, failing with the tail of the log if the process dies or time runs out. */
    void awaitReady(BooleanSupplier ready, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; log tail:\n" + logTail());
            }
            if (ready.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + name, e);
            }
        }
        close();
        throw new IllegalStateException(name + " not ready after " + timeout + "; log tail:\n" + logTail());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    @Override
    public void close() {
        process.destroy();
        if (!waitForExit()) {
            kill();
        }
    }

    private boolean waitForExit() {
        try {
            return process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
