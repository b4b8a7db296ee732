package dev.sluice.launcher.embedded;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.launcher.LauncherException;

/**
 * The embedded default's infrastructure: an in-process KRaft broker, the Apicurio registry child process
 * (or the configured registry), and Redis (configured, child process, or none = degraded), with every file
 * under one temporary directory that is removed on close. {@link #config()} is the stages' configuration.
 */
public final class EmbeddedStack implements AutoCloseable {
    private final WorkDir work;
    private EmbeddedKafka kafka;
    private EmbeddedRegistry registry;
    private String registryUrl;
    private EmbeddedRedis redis;
    private SluiceConfig config;

    private EmbeddedStack(WorkDir work) {
        this.work = work;
    }

    /** Starts everything, printing one line per component; on failure, stops what started and rethrows. */
    public static EmbeddedStack start(SluiceConfig base, Map<String, String> env, PrintStream out, Duration timeout) {
        EmbeddedStack stack = new EmbeddedStack(WorkDir.create("sluice-demo-"));
        try {
            stack.startAll(base, env, out, timeout);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(SluiceConfig base, Map<String, String> env, PrintStream out, Duration timeout) {
        out.println("sluice demo: working directory " + work.root() + " (removed at exit)");
        long t0 = System.nanoTime();
        Optional<String> configuredRegistry = base.find(CommonKeys.SCHEMA_REGISTRY_URL);
        CompletableFuture<EmbeddedRegistry> registryStart = configuredRegistry.isPresent() ? null
                : CompletableFuture.supplyAsync(() -> EmbeddedRegistry.start(work.dir("registry"), timeout));
        kafka = EmbeddedKafka.start(work.dir("kafka"));
        out.printf("  kafka     in-process KRaft broker at %s (%d ms)%n", kafka.bootstrapServers(), millisSince(t0));
        if (registryStart != null) {
            try {
                registry = registryStart.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new LauncherException(e.getCause().toString());
            }
            registryUrl = registry.url();
            out.printf("  registry  Apicurio child process at %s (%d ms)%n", registryUrl, millisSince(t0));
        } else {
            registryUrl = configuredRegistry.get();
            out.printf("  registry  configured at %s%n", registryUrl);
        }
        redis = EmbeddedRedis.resolve(base.find(CommonKeys.REDIS_URL), env, work.dir("redis"));
        if (redis.degraded()) {
            out.println("  redis     *** NONE: running DEGRADED on in-process caches (" + redis.description() + ") ***");
            out.println("            to get Redis: " + EmbeddedRedis.HOW_TO_GET_REDIS);
        } else {
            out.println("  redis     " + redis.description());
        }
        Map<String, String> overrides = new HashMap<>();
        overrides.put(CommonKeys.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        overrides.put(CommonKeys.SCHEMA_REGISTRY_URL, registryUrl);
        overrides.put(CommonKeys.REDIS_URL, redis.url().orElse(""));
        overrides.put(CommonKeys.STATE_DIR, work.dir("state").toString());
        config = base.with(overrides);
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** The stages' configuration: the user's, with the embedded endpoints and state directory on top. */
    public SluiceConfig config() {
        return config;
    }

    /** A directory of this run's (removed at exit) for files of its own, e.g. the provider outage switch. */
    public java.nio.file.Path dir(String name) {
        return work.dir(name);
    }

    public String registryUrl() {
        return registryUrl;
    }

    public boolean redisDegraded() {
        return redis == null || redis.degraded();
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        work.close();
    }
}
