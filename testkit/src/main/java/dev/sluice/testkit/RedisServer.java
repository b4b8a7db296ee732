package dev.sluice.testkit;

import java.nio.file.Path;

import dev.sluice.embedded.FreePorts;
import dev.sluice.embedded.RedisProcess;
import dev.sluice.testkit.internal.RedisBackend;
import dev.sluice.testkit.internal.RedisInContainer;

/**
 * A real Redis for tests on a fixed free port, persistence off: the embedded module's {@link RedisProcess} on
 * loopback, or a container published on that port when the {@link Backend} is {@link Backend#CONTAINERS}.
 * Tests may {@link #stop()} and {@link #start()} it again on the same port to simulate an outage.
 */
public final class RedisServer implements AutoCloseable {
    private final RedisBackend backend;
    private long startupMillis;

    private RedisServer(RedisBackend backend, long startupMillis) {
        this.backend = backend;
        this.startupMillis = startupMillis;
    }

    /** Starts a fresh Redis on a free port. */
    public static RedisServer start(Path workDir) {
        int port = FreePorts.next();
        long t0 = System.nanoTime();
        RedisBackend backend = Backend.current() == Backend.CONTAINERS ? RedisInContainer.start(port)
                : new ChildProcess(RedisProcess.start(Path.of(binary()), port, workDir, workDir.resolve("redis-" + port + ".log")));
        return new RedisServer(backend, (System.nanoTime() - t0) / 1_000_000);
    }

    /** The binary used: {@code $SLUICE_REDIS_SERVER_BIN}, else {@code redis-server} on the PATH or in /usr/bin. */
    public static String binary() {
        return RedisProcess.binary(System.getenv()).map(Path::toString).orElseThrow(() -> new IllegalStateException(
                "redis-server not found on PATH; install it (apt-get install -y redis-server) or set SLUICE_REDIS_SERVER_BIN"));
    }

    /** (Re)starts the server on its port; a no-op if it is already running. */
    public synchronized void start() {
        long t0 = System.nanoTime();
        backend.start();
        startupMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    /** Kills the server (SIGKILL, or the container removed), as an outage would; its data is gone. */
    public void stop() {
        backend.kill();
    }

    public boolean isRunning() {
        return backend.isRunning();
    }

    /** Deletes every key, so tests sharing the server start clean. */
    public void flushAll() {
        backend.flushAll();
    }

    public int port() {
        return backend.port();
    }

    /** A lettuce-style URI, e.g. {@code redis://127.0.0.1:40001}. */
    public String uri() {
        return backend.uri();
    }

    public long startupMillis() {
        return startupMillis;
    }

    @Override
    public void close() {
        backend.close();
    }

    /** The in-process backend: a {@code redis-server} child process. */
    private record ChildProcess(RedisProcess process) implements RedisBackend {
        @Override
        public void start() {
            process.start();
        }

        @Override
        public void kill() {
            process.kill();
        }

        @Override
        public boolean isRunning() {
            return process.isAlive();
        }

        @Override
        public void flushAll() {
            String reply = process.command("*1\r\n$8\r\nFLUSHALL\r\n");
            if (!reply.startsWith("+OK")) {
                throw new IllegalStateException("FLUSHALL failed: " + reply);
            }
        }

        @Override
        public int port() {
            return process.port();
        }

        @Override
        public String uri() {
            return process.url();
        }

        @Override
        public void close() {
            process.close();
        }
    }
}
