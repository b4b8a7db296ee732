package dev.sluice.launcher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.launcher.testing.ProbeStageProvider;
import dev.sluice.embedded.FreePorts;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code sluice run <stage>} as its own process: discovery, preflight, /health, /metrics, SIGTERM. */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class StageProcessIT {
    private static HttpResponse<String> get(int port, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void shouldServeHealthAndMetricsAndCloseTheStageOnSigterm(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = SluiceInfra.uniquePrefix("process");
        Map<String, String> env = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix);
        assertThat(Launch.inProcess(env, "topics", "create").exitCode()).isZero();
        int port = FreePorts.next();
        Path log = SluiceInfra.workDir("launcher").resolve("probe-" + port + ".log");
        Process process = Launch.child(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix, "SLUICE_HTTP_PORT", Integer.toString(port)),
                log, false, "run", "probe");
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        assertThat(process.isAlive()).as(() -> logOf(log)).isTrue();
                        HttpResponse<String> health = get(port, "/health");
                        assertThat(health).isNotNull();
                        assertThat(health.statusCode()).isEqualTo(200);
                    });
            HttpResponse<String> health = get(port, "/health");
            HttpResponse<String> metrics = get(port, "/metrics");

            assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"kafka\":\"UP\"");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("sluice_probe_starts_total{process=\"probe\"} 1.0").contains("jvm_gc_")
                    .contains("process_uptime_seconds");

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(logOf(log)).contains(ProbeStageProvider.CLOSED_LINE);
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void shouldReportNotLiveAndExitNonZeroWhenTheStageLoopDies(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = SluiceInfra.uniquePrefix("process-dies");
        Map<String, String> env = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix);
        assertThat(Launch.inProcess(env, "topics", "create").exitCode()).isZero();
        int port = FreePorts.next();
        Path log = SluiceInfra.workDir("launcher").resolve("probe-dies-" + port + ".log");
        Process process = Launch.child(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix, "SLUICE_HTTP_PORT", Integer.toString(port),
                "SLUICE_PROBE_DIE_AFTER_MS", "3000"), log, false, "run", "probe");
        try {
            boolean[] sawNotLive = {false};
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
                HttpResponse<String> health = get(port, "/health");
                if (health != null && health.statusCode() != 200 && health.body().contains("DEAD")) {
                    sawNotLive[0] = true;
                }
                return !process.isAlive();
            });
            assertThat(process.exitValue()).as(() -> logOf(log)).isEqualTo(70);
            assertThat(sawNotLive[0]).as("/health said not live before the exit").isTrue();
            assertThat(logOf(log)).contains("is no longer live").contains(ProbeStageProvider.CLOSED_LINE);
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void shouldExitNamingTheKeyWhenTheRegistryIsDown(KafkaBroker kafka) throws Exception {
        Path log = SluiceInfra.workDir("launcher").resolve("no-registry.log");
        Process process = Launch.child(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", "http://127.0.0.1:" + FreePorts.next() + "/apis/ccompat/v7"), log, false, "run", "probe");

        assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(3);
        assertThat(logOf(log)).contains("schema registry is unreachable").contains("SLUICE_SCHEMA_REGISTRY_URL");
    }

    private static String logOf(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
