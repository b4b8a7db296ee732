package dev.sluice.launcher.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.embedded.ChildProcess;
import dev.sluice.embedded.FreePorts;
import dev.sluice.launcher.LauncherException;
import dev.sluice.launcher.infra.Preflight;
import dev.sluice.launcher.infra.RedisUrls;

/**
 * Redis for the embedded default, in order of preference: the configured {@code SLUICE_REDIS_URL} if it
 * answers; else a {@code redis-server} child process on a free port if the binary is on the PATH; else
 * none (the stages run degraded on their in-process caches, and the caller says so loudly).
 */
public final class EmbeddedRedis implements AutoCloseable {
    /** How to get Redis, printed when the demo has to run without it. */
    public static final String HOW_TO_GET_REDIS = "install redis-server (e.g. apt-get install -y redis-server, brew install redis) "
            + "or point SLUICE_REDIS_URL at a running Redis";

    private final Optional<String> url;
    private final String description;
    private final ChildProcess process;

    private EmbeddedRedis(Optional<String> url, String description, ChildProcess process) {
        this.url = url;
        this.description = description;
        this.process = process;
    }

    public static EmbeddedRedis resolve(Optional<String> configured, Map<String, String> env, Path workDir) {
        StringBuilder why = new StringBuilder();
        if (configured.isPresent()) {
            try {
                Preflight.redis(configured.get(), Duration.ofSeconds(3));
                return new EmbeddedRedis(configured, "configured Redis at " + RedisUrls.withoutCredentials(configured.get()), null);
            } catch (LauncherException e) {
                why.append(e.getMessage()).append("; ");
            }
        }
        Optional<Path> binary = binary(env);
        if (binary.isEmpty()) {
            return new EmbeddedRedis(Optional.empty(), why + "no redis-server on the PATH", null);
        }
        int port = FreePorts.next();
        ChildProcess child;
        try {
            child = ChildProcess.start("redis-server", List.of(binary.get().toString(),
                    "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", workDir.toAbsolutePath().toString()), workDir, workDir.resolve("redis-server.log"));
            child.awaitReady(() -> answers(port), Duration.ofSeconds(20));
        } catch (IllegalStateException e) {
            throw new LauncherException(e.getMessage(), LauncherException.EXIT_FAILURE, e);
        }
        String url = "redis://127.0.0.1:" + port;
        return new EmbeddedRedis(Optional.of(url), why + "redis-server child process (pid " + child.pid() + ") on port " + port, child);
    }

    static Optional<Path> binary(Map<String, String> env) {
        String configured = env.get("SLUICE_REDIS_SERVER_BIN");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Paths.get(configured)).filter(Files::isExecutable);
        }
        for (String dir : env.getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(":")) {
            Path candidate = Paths.get(dir, "redis-server");
            if (!dir.isBlank() && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    // A raw RESP PING: the child has no AUTH or TLS, and a lettuce client per poll would be slow.
    private static boolean answers(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] buf = new byte[16];
            int n = socket.getInputStream().read(buf);
            return n > 0 && new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The Redis URL the stages should use, or empty when running degraded. */
    public Optional<String> url() {
        return url;
    }

    public boolean degraded() {
        return url.isEmpty();
    }

    /** Which Redis was chosen and why, for the demo's banner. */
    public String description() {
        return description;
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
