package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.embedded.FreePorts;
import dev.sluice.testkit.Signals;

/**
 * One {@code sluice run <stage>} child JVM that can be SIGKILLed and restarted with the same settings, port and
 * state directory. Every incarnation's stdout and stderr go to {@code <logDir>/<instance>-<n>.log} for the secret scan.
 */
final class StageProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String stage;
    private final String instance;
    private final Path configFile;
    private final Map<String, String> settings;
    private final Map<String, String> env;
    private final Path logDir;
    private final int httpPort = FreePorts.next();
    private Process process;
    private int starts;
    private int kills;

    /**
     * @param settings per-instance overrides passed as {@code --set k=v} (state dir, instance ids)
     * @param env      environment of the child (API keys); every inherited {@code SLUICE_*} variable is removed
     */
    StageProcess(String stage, String instance, Path configFile, Map<String, String> settings, Map<String, String> env, Path logDir) {
        this.stage = stage;
        this.instance = instance;
        this.configFile = configFile;
        this.settings = new LinkedHashMap<>(settings);
        this.env = Map.copyOf(env);
        this.logDir = logDir;
    }

    String instance() {
        return instance;
    }

    /** The value this instance's {@code --set key=…} gives {@code key} (e.g. its transactional id), or null. */
    String setting(String key) {
        return settings.get(key);
    }

    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(instance + " is already running");
        }
        starts++;
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1" /* short-lived: C1 only, see the parent pom */,
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.sluice",
                "-Dlogback.configurationFile=" + childLogback()));
        String jar = System.getProperty("sluice.reliability.jar", "");
        if (jar.isBlank()) {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sluice.launcher.SluiceCli"));
        } else {
            command.addAll(List.of("-jar", jar));
        }
        command.addAll(List.of("run", stage, "--config", configFile.toString(), "--set", "http.port=" + httpPort));
        settings.forEach((k, v) -> command.addAll(List.of("--set", k + "=" + v)));
        try {
            Files.createDirectories(logDir);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(instance + "-" + starts + ".log").toFile()));
            builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_") || k.endsWith("_API_KEY"));
            builder.environment().putAll(env);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + instance, e);
        }
    }

    /** Waits until {@code /health} says ready (UP or DEGRADED); fails early if the process died. */
    void awaitReady(Duration atMost) {
        await("ready: " + instance).atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!alive()) {
                throw new IllegalStateException(instance + " exited with " + process.exitValue() + "; see " + logDir);
            }
            String health = health();
            return health != null && health.contains("\"ready\":true");
        });
    }

    /** SIGKILL (no shutdown hook runs), then waits for the process to be gone. */
    synchronized void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(instance + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kills++;
    }

    /** SIGTERM (the shutdown hook drains and closes the stage), then waits for the process to exit. */
    synchronized void stop() {
        process.destroy();
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                throw new IllegalStateException(instance + " did not exit within 90 s of SIGTERM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends {@code SIGSTOP} or {@code SIGCONT} (or another signal, by name) to the process: a stall it cannot notice or prevent. */
    synchronized void signal(String signal) {
        Signals.send(process, signal);
    }

    /** What the current incarnation has written to stdout and stderr so far. */
    synchronized String output() {
        try {
            return Files.readString(logDir.resolve(instance + "-" + starts + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits up to {@code atMost} for the process to exit by itself; its exit code, or null if it is still running. */
    Integer awaitExit(Duration atMost) throws InterruptedException {
        Process current;
        synchronized (this) {
            current = process;
        }
        return current.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS) ? current.exitValue() : null;
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process.pid();
    }

    int kills() {
        return kills;
    }

    int starts() {
        return starts;
    }

    /** The /health body, or null if it does not answer. */
    String health() {
        return get("/health");
    }

    /** The /metrics body (Prometheus text), or null if it does not answer. */
    String metrics() {
        return get("/metrics");
    }

    /**
     * The sum of every sample of the Prometheus meter {@code name} (a counter's {@code _total} name, over all its tags)
     * on {@code /metrics}, or null if the process does not answer.
     */
    Double meter(String name) {
        String metrics = metrics();
        return metrics == null ? null : metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private String get(String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String childLogback() {
        try {
            return Paths.get(StageProcess.class.getResource("/reliability-child-logback.xml").toURI()).toString();
        } catch (Exception e) {
            throw new IllegalStateException("reliability-child-logback.xml missing from the test class path", e);
        }
    }

    /** SIGTERM, then SIGKILL if it has not stopped after 20 s. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
