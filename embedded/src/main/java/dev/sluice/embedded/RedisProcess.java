package dev.sluice.embedded;

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
import java.util.Map;
import java.util.Optional;

/**
 * The one {@code redis-server} child process of the embedded default and the test kit: loopback only, persistence
 * off, on a port of the caller's choice, killed with the JVM. It can be stopped (SIGKILL, data gone, as an outage)
 * and started again on the same port. Readiness and {@link #command} speak raw RESP so that this module needs no
 * Redis client (the stages bring lettuce).
 */
public final class RedisProcess implements AutoCloseable {
    private final Path binary;
    private final int port;
    private final Path workDir;
    private final Path log;
    private ChildProcess process;

    private RedisProcess(Path binary, int port, Path workDir, Path log) {
        this.binary = binary;
        this.port = port;
        this.workDir = workDir;
        this.log = log;
    }

    /** Starts {@code binary} on {@code port}, waiting until it answers PING; output appended to {@code log}. */
    public static RedisProcess start(Path binary, int port, Path workDir, Path log) {
        RedisProcess redis = new RedisProcess(binary, port, workDir, log);
        redis.start();
        return redis;
    }

    /**
     * The {@code redis-server} binary: {@code SLUICE_REDIS_SERVER_BIN} if set (and executable), else the first on
     * {@code PATH}, else Debian's and Homebrew's usual places.
     */
    public static Optional<Path> binary(Map<String, String> env) {
        String configured = env.get("SLUICE_REDIS_SERVER_BIN");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Paths.get(configured)).filter(Files::isExecutable);
        }
        for (String dir : env.getOrDefault("PATH", "").split(":")) {
            Path candidate = Paths.get(dir, "redis-server");
            if (!dir.isBlank() && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server").stream().map(Paths::get)
                .filter(Files::isExecutable).findFirst();
    }

    /** (Re)starts the server on its port; a no-op if it is running. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        process = ChildProcess.start("redis-server", List.of(binary.toString(),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--protected-mode", "yes",
                "--dir", workDir.toAbsolutePath().toString()), workDir, log);
        process.awaitReady(this::answersPing, Duration.ofSeconds(20));
    }

    /** Kills the server at once (SIGKILL), as an outage would; its data is gone. */
    public synchronized void kill() {
        if (process != null) {
            process.kill();
        }
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Sends one RESP command and returns the first reply bytes as text; fails naming the port. */
    public String command(String resp) {
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

    private boolean answersPing() {
        try {
            return command("*1\r\n$4\r\nPING\r\n").startsWith("+PONG");
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.close();
        }
    }
}
