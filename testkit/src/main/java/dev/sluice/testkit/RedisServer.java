package dev.sluice.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

import dev.sluice.embedded.ChildProcess;
import dev.sluice.embedded.FreePorts;

/**
 * A real Redis: the {@code redis-server} binary as a child process on a fixed free loopback port,
 * with persistence off. Tests may {@link #stop()} and {@link #start()} it again on the same port to
 * simulate an outage.
 */
public final class RedisServer implements AutoCloseable {
    private final Path workDir;
    private final int port;
    private ChildProcess process;
    private long startupMillis;

    private RedisServer(Path workDir, int port) {
        this.workDir = workDir;
        this.port = port;
    }

    /** Starts a fresh redis-server on a free port. */
    public static RedisServer start(Path workDir) {
        RedisServer server = new RedisServer(workDir, FreePorts.next());
        server.start();
        return server;
    }

    /** The binary used: {@code $SLUICE_REDIS_SERVER_BIN}, else {@code redis-server} on the PATH. */
    public static String binary() {
        String configured = System.getenv("SLUICE_REDIS_SERVER_BIN");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Paths.get(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String fallback : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Paths.get(fallback))) {
                return fallback;
            }
        }
        throw new IllegalStateException("redis-server not found on PATH; install it (apt-get install -y redis-server) "
                + "or set SLUICE_REDIS_SERVER_BIN");
    }

    /** (Re)starts the server on its port; a no-op if it is already running. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        long t0 = System.nanoTime();
        process = ChildProcess.start("redis-server", List.of(binary(),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--protected-mode", "yes",
                "--dir", workDir.toAbsolutePath().toString()), workDir, workDir.resolve("redis-" + port + ".log"));
        process.awaitReady(this::answersPing, Duration.ofSeconds(20));
        startupMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    /** Kills the server (SIGKILL), as an outage would; its data is gone. */
    public synchronized void stop() {
        if (process != null) {
            process.kill();
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Deletes every key, so tests sharing the server start clean. */
    public void flushAll() {
        String reply = command("*1\r\n$8\r\nFLUSHALL\r\n");
        if (!reply.startsWith("+OK")) {
            throw new IllegalStateException("FLUSHALL failed: " + reply);
        }
    }

    public int port() {
        return port;
    }

    /** A lettuce-style URI, e.g. {@code redis://127.0.0.1:40001}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public long startupMillis() {
        return startupMillis;
    }

    private boolean answersPing() {
        try {
            return command("*1\r\n$4\r\nPING\r\n").startsWith("+PONG");
        } catch (IllegalStateException e) {
            return false;
        }
    }

    // A raw RESP exchange keeps the fixture free of a client library (the code under test brings its own).
    private String command(String resp) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(resp.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[256];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("redis on port " + port + " did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.close();
        }
    }
}
