package dev.sluice.testkit;

import java.nio.file.Path;

import dev.sluice.embedded.FreePorts;
import dev.sluice.embedded.RedisProcess;

/**
 * A real Redis for tests: the embedded module's {@link RedisProcess} on a fixed free loopback port, persistence off.
 * Tests may {@link #stop()} and {@link #start()} it again on the same port to simulate an outage.
 */
public final class RedisServer implements AutoCloseable {
    private final RedisProcess process;
    private long startupMillis;

    private RedisServer(RedisProcess process, long startupMillis) {
        this.process = process;
        this.startupMillis = startupMillis;
    }

    /** Starts a fresh redis-server on a free port. */
    public static RedisServer start(Path workDir) {
        int port = FreePorts.next();
        long t0 = System.nanoTime();
        RedisProcess process = RedisProcess.start(Path.of(binary()), port, workDir, workDir.resolve("redis-" + port + ".log"));
        return new RedisServer(process, (System.nanoTime() - t0) / 1_000_000);
    }

    /** The binary used: {@code $SLUICE_REDIS_SERVER_BIN}, else {@code redis-server} on the PATH or in /usr/bin. */
    public static String binary() {
        return RedisProcess.binary(System.getenv()).map(Path::toString).orElseThrow(() -> new IllegalStateException(
                "redis-server not found on PATH; install it (apt-get install -y redis-server) or set SLUICE_REDIS_SERVER_BIN"));
    }

    /** (Re)starts the server on its port; a no-op if it is already running. */
    public synchronized void start() {
        long t0 = System.nanoTime();
        process.start();
        startupMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    /** Kills the server (SIGKILL), as an outage would; its data is gone. */
    public void stop() {
        process.kill();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Deletes every key, so tests sharing the server start clean. */
    public void flushAll() {
        String reply = process.command("*1\r\n$8\r\nFLUSHALL\r\n");
        if (!reply.startsWith("+OK")) {
            throw new IllegalStateException("FLUSHALL failed: " + reply);
        }
    }

    public int port() {
        return process.port();
    }

    /** A lettuce-style URI, e.g. {@code redis://127.0.0.1:40001}. */
    public String uri() {
        return process.url();
    }

    public long startupMillis() {
        return startupMillis;
    }

    @Override
    public void close() {
        process.close();
    }
}
