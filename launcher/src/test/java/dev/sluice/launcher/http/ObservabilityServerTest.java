package dev.sluice.launcher.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.common.StageHealth;
import org.junit.jupiter.api.Test;

class ObservabilityServerTest {
    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswer503UntilReadyThen200WithDetails() throws Exception {
        AtomicReference<StageHealth> health = new AtomicReference<>(new StageHealth(true, false, false, Map.of("kafka", "CONNECTING")));
        try (Meters meters = Meters.prometheus("test");
             ObservabilityServer server = ObservabilityServer.start(0, health::get, meters::scrape)) {
            HttpResponse<String> starting = get(server.port(), "/health");
            health.set(new StageHealth(true, true, true, Map.of("redis", "DOWN")));
            HttpResponse<String> degraded = get(server.port(), "/health");

            assertThat(starting.statusCode()).isEqualTo(503);
            assertThat(starting.body()).contains("\"status\":\"DOWN\"").contains("\"kafka\":\"CONNECTING\"");
            assertThat(degraded.statusCode()).isEqualTo(200);
            assertThat(degraded.body()).contains("\"status\":\"DEGRADED\"").contains("\"redis\":\"DOWN\"");
        }
    }

    @Test
    void shouldServePrometheusTextWithJvmMetricsAndStageMeters() throws Exception {
        try (Meters meters = Meters.prometheus("test");
             ObservabilityServer server = ObservabilityServer.start(0, () -> StageHealth.up(Map.of()), meters::scrape)) {
            meters.registry().counter("sluice.test.things", "reason", "RATE_LIMITED").increment(3);

            HttpResponse<String> metrics = get(server.port(), "/metrics");

            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("jvm_threads_live_threads")
                    .contains("sluice_test_things_total{process=\"test\",reason=\"RATE_LIMITED\"} 3.0");
        }
    }

    @Test
    void shouldReportTheFailureWhenHealthThrows() throws Exception {
        try (Meters meters = Meters.prometheus("test");
             ObservabilityServer server = ObservabilityServer.start(0, () -> {
                 throw new IllegalStateException("boom");
             }, meters::scrape)) {
            HttpResponse<String> response = get(server.port(), "/health");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("IllegalStateException");
        }
    }
}
