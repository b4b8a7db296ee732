package dev.sluice.launcher.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.Sanitizer;
import dev.sluice.embedded.FreePorts;
import dev.sluice.embedded.RedisProcess;
import dev.sluice.launcher.LauncherException;
import dev.sluice.launcher.infra.Preflight;

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
    private final RedisProcess process;

    private EmbeddedRedis(Optional<String> url, String description, RedisProcess process) {
        this.url = url;
        this.description = description;
        this.process = process;
    }

    public static EmbeddedRedis resolve(Optional<String> configured, Map<String, String> env, Path workDir) {
        StringBuilder why = new StringBuilder();
        if (configured.isPresent()) {
            try {
                Preflight.redis(configured.get(), Duration.ofSeconds(3));
                return new EmbeddedRedis(configured, "configured Redis at " + Sanitizer.withoutCredentials(configured.get()), null);
            } catch (LauncherException e) {
                why.append(e.getMessage()).append("; ");
            }
        }
        Optional<Path> binary = binary(env);
        if (binary.isEmpty()) {
            return new EmbeddedRedis(Optional.empty(), why + "no redis-server on the PATH", null);
        }
        int port = FreePorts.next();
        RedisProcess child;
        try {
            child = RedisProcess.start(binary.get(), port, workDir, workDir.resolve("redis-server.log"));
        } catch (IllegalStateException e) {
            throw new LauncherException(e.getMessage(), LauncherException.EXIT_FAILURE, e);
        }
        return new EmbeddedRedis(Optional.of(child.url()), why + "redis-server child process (pid " + child.pid() + ") on port " + port, child);
    }

    static Optional<Path> binary(Map<String, String> env) {
        return RedisProcess.binary(env);
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
