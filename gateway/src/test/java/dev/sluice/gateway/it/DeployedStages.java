package dev.sluice.gateway.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.common.CommonKeys;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.embedded.FreePorts;

/**
 * The stages as users run them (the benchmark's {@code -Dbench.deployed=true}): one {@code sluice run <stage>} process
 * each, started with the repository's {@code sluice} script from the shaded jar the build made (no class path of
 * ours, the JVM's default heap and flags), configured only by {@code --set}s, against the broker in another process.
 * Each stage gets its own {@code http.port} (its {@code /health} and {@code /metrics}) and state directory; the
 * gateway also gets a free {@code gateway.port}. Started in order and each awaited until its {@code /health} answers
 * 200 (ready); closed in reverse order with SIGTERM, as an orchestrator stops them.
 */
final class DeployedStages implements AutoCloseable {
    /** A stage process: its name, the process, and the port of its {@code /health} and {@code /metrics}. */
    record Running(String stage, ChildProcess process, int httpPort) {}

    private final List<Running> running = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private int gatewayPort = -1;

    /**
     * Starts {@code stages} in order with {@code settings} (the pipeline's: bootstrap, registry, Redis, prefix, provider,
     * limits) as {@code --set}s, logs under {@code workDir}.
     */
    DeployedStages(Path sluiceScript, List<String> stages, Map<String, String> settings, Path workDir) throws IOException {
        if (!Files.isExecutable(sluiceScript) || !Files.isRegularFile(sluiceScript.resolveSibling("launcher/target/sluice.jar"))) {
            throw new IllegalStateException(sluiceScript + " or its launcher/target/sluice.jar is missing: build the jar first "
                    + "(./mvnw -o -q package -DskipTests in the repository root)");
        }
        try {
            for (String stage : stages) {
                int httpPort = FreePorts.next();
                Map<String, String> own = new TreeMap<>(settings);
                own.put(CommonKeys.HTTP_PORT, Integer.toString(httpPort));
                own.put(CommonKeys.STATE_DIR, workDir.resolve("state-" + stage).toString());
                if (stage.equals("gateway")) {
                    gatewayPort = FreePorts.next();
                    own.put("gateway.port", Integer.toString(gatewayPort));
                    own.put("gateway.instance.id", "gw-bench");
                }
                List<String> command = new ArrayList<>(List.of(sluiceScript.toString(), "run", stage));
                own.forEach((k, v) -> command.addAll(List.of("--set", k + "=" + v)));
                ChildProcess process = ChildProcess.start("sluice run " + stage, command, workDir, workDir.resolve(stage + ".log"));
                running.add(new Running(stage, process, httpPort));
                process.awaitReady(() -> ready(httpPort), Duration.ofMinutes(3));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private boolean ready(int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The gateway's API port, or -1 if no gateway was started. */
    int gatewayPort() {
        return gatewayPort;
    }

    /** Process ids by stage, in start order. */
    Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        running.forEach(r -> pids.put(r.stage(), r.process().pid()));
        return pids;
    }

    /** The lines of a stage's {@code /metrics} that start with {@code prefix} (e.g. {@code sluice_gateway_outcomes_total}). */
    String metrics(String stage, String prefix) {
        for (Running r : running) {
            if (r.stage().equals(stage)) {
                try {
                    String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.httpPort() + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    return String.join("; ", body.lines().filter(l -> l.startsWith(prefix)).toList());
                } catch (IOException e) {
                    return "(no /metrics: " + e.getMessage() + ")";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "(interrupted)";
                }
            }
        }
        return "(no " + stage + ")";
    }

    /** Stages that exited while they should have been running, with their logs' tails. */
    String deaths() {
        StringBuilder b = new StringBuilder();
        running.stream().filter(r -> !r.process().isAlive()).forEach(r -> b.append(r.stage()).append(" exited; log tail:\n")
                .append(r.process().logTail()).append('\n'));
        return b.toString();
    }

    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).process().close();
        }
    }
}
