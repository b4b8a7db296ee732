package dev.sluice.tools.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.analytics.AnalyticsConfig;
import dev.sluice.analytics.AnalyticsStage;
import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.SluiceConfig;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code sluice report} against the real analytics stage on a real broker and registry: the tables show what the stage
 * published, and {@code --json} prints the same documents as the stage's dashboard API.
 */
@Tag("integration")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class ReportCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldPrintWhatTheAnalyticsStagePublishedAndTheDashboardsDocuments(KafkaBroker kafka, SchemaRegistryServer registryServer)
            throws Exception {
        String prefix = SluiceInfra.uniquePrefix("report");
        TopicCatalog catalog = new TopicCatalog(prefix, 3, new SchemaRegistryClient(registryServer.url()));
        kafka.createTopics(3, catalog.all().stream().map(t -> t.name()).toArray(String[]::new));
        SluiceConfig config = SluiceConfig.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registryServer.url(), "topic.prefix", prefix, "topic.partitions", "3",
                "state.dir", SluiceInfra.workDir("report-state").resolve(prefix).toString(),
                AnalyticsConfig.COMMIT_INTERVAL_MS, "200", DashboardConfig.PORT, "0", DashboardConfig.REFRESH_MS, "200"));
        Instant now = Instant.now();
        try (AnalyticsStage stage = new AnalyticsStage(config, catalog, new SimpleMeterRegistry())) {
            stage.start();
            String base = stage.dashboardUrl().orElseThrow();
            send(kafka, catalog, now);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode spend = get(base + "api/v1/spend");
                assertThat(spend.path("byModel").path(0).path("costMicros").asLong()).isEqualTo(3_000);
                assertThat(spend.path("topSpenders").path(0).path("userId").asText()).isEqualTo("alice");
                assertThat(get(base + "api/v1/budgets").path("overspend").findValuesAsText("userId")).containsExactly("bob");
            });

            StringWriter json = new StringWriter();
            assertThat(new CommandLine(new ReportCommand(config, Clock.systemUTC())).setOut(new PrintWriter(json, true)).execute("--json"))
                    .isZero();
            JsonNode report = JSON.readTree(json.toString());
            JsonNode api = get(base + "api/v1/dashboard");
            assertThat(report.path("version").asInt()).isEqualTo(1);
            assertThat(report.path("spend").path("byModel")).isEqualTo(api.path("spend").path("byModel"));
            assertThat(report.path("rejections").path("totals")).isEqualTo(api.path("rejections").path("totals"));
            assertThat(report.path("budgets").path("overspend")).isEqualTo(api.path("budgets").path("overspend"));
        }

        StringWriter tables = new StringWriter();
        assertThat(new CommandLine(new ReportCommand(config, Clock.systemUTC())).setOut(new PrintWriter(tables, true)).execute("--since", "24h"))
                .isZero();
        assertThat(tables.toString()).contains("Spend per user per day", "Top spenders per day", "gpt-4o-mini", "Overspend")
                .containsPattern("\\s+alice\\s+2\\s+\\Q" + Report.usd(2_000) + "\\E");
    }

    private static void send(KafkaBroker kafka, TopicCatalog catalog, Instant now) {
        try (KafkaProducer<String, CostEvent> costs = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), catalog.costs().valueSerde().serializer())) {
            costs.send(new ProducerRecord<>(catalog.costs().name(), "alice", cost("r1", "alice", 1_500, now)));
            costs.send(new ProducerRecord<>(catalog.costs().name(), "alice", cost("r2", "alice", 500, now)));
            costs.send(new ProducerRecord<>(catalog.costs().name(), "bob", cost("r3", "bob", 1_000, now)));
            costs.send(new ProducerRecord<>(catalog.costs().name(), "bob", CostEvent.newBuilder(cost("r3", "bob", 1_000, now))
                    .setKind(CostKind.OVERSPENT).setReservedMicros(300).build()));
            costs.flush();
        }
    }

    private static CostEvent cost(String id, String user, long micros, Instant at) {
        return CostEvent.newBuilder().setRequestId(id).setUserId(user).setModel("gpt-4o-mini").setProvider("simulated")
                .setInputTokens(10).setOutputTokens(5).setCostMicros(micros).setSavedMicros(0).setReservedMicros(micros)
                .setCacheHit(false).setOccurredAt(at).build();
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
