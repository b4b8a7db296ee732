package dev.sluice.analytics.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.analytics.AnalyticsConfig;
import dev.sluice.analytics.AnalyticsStage;
import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.SluiceConfig;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every endpoint of the dashboard's JSON API against the real analytics stage on a real broker and registry: costs,
 * an overspend flag, rejections, a policy with a budget and a dead letter go in; each document shows them, the API
 * refuses writes, binds loopback and never echoes a prompt
 * ({@code sluice report --json} printing the same documents is the tools module's ReportCommandIT).
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class DashboardApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "SECRET-PROMPT-TEXT please summarise";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldServeEveryEndpointFromTheTopicsAndTheStagesMetrics(KafkaBroker kafka, SchemaRegistryServer registryServer) throws Exception {
        String prefix = SluiceInfra.uniquePrefix("dashboard");
        SchemaRegistryClient registry = new SchemaRegistryClient(registryServer.url());
        TopicCatalog catalog = new TopicCatalog(prefix, 3, registry);
        kafka.createTopics(3, catalog.all().stream().map(t -> t.name()).toArray(String[]::new));
        HttpServer metrics = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        metrics.createContext("/metrics", ex -> {
            byte[] body = String.join("\n",
                    "# TYPE sluice_generation_breaker_state gauge",
                    "sluice_generation_breaker_state{model=\"gpt-4o-mini\",process=\"generation\",provider=\"simulated\"} 1.0",
                    "sluice_enrichment_degraded{process=\"enrichment\"} 0.0",
                    // two admission instances behind one scrape: the money held is their sum
                    "sluice_ingest_reservations_held_micros{process=\"ingest\",instance=\"a\"} 1500.0",
                    "sluice_ingest_reservations_held_micros{process=\"ingest\",instance=\"b\"} 2000.0",
                    "sluice_ingest_reservations_held_users{process=\"ingest\",instance=\"a\"} 1.0",
                    "sluice_ingest_reservations_held_users{process=\"ingest\",instance=\"b\"} 2.0",
                    "sluice_ingest_reservations_held_oldest_seconds{process=\"ingest\",instance=\"a\"} 5400.0",
                    "sluice_ingest_reservations_held_oldest_seconds{process=\"ingest\",instance=\"b\"} 120.0",
                    "sluice_generation_overhead_seconds{process=\"generation\",quantile=\"0.5\"} 0.002",
                    "sluice_generation_overhead_seconds{process=\"generation\",quantile=\"0.99\"} 0.0125", "").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        metrics.start();
        SluiceConfig config = SluiceConfig.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registryServer.url(), "topic.prefix", prefix, "topic.partitions", "3",
                "state.dir", SluiceInfra.workDir("dashboard-state").resolve(prefix).toString(),
                AnalyticsConfig.COMMIT_INTERVAL_MS, "200", DashboardConfig.PORT, "0", DashboardConfig.REFRESH_MS, "200",
                DashboardConfig.SCRAPE_URLS, "http://user:pw@127.0.0.1:" + metrics.getAddress().getPort() + "/metrics"));
        Instant now = Instant.now();
        try (AnalyticsStage stage = new AnalyticsStage(config, catalog, new SimpleMeterRegistry())) {
            stage.start();
            String base = stage.dashboardUrl().orElseThrow();
            assertThat(base).startsWith("http://127.0.0.1:");
            send(kafka, catalog, now);

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode spend = get(base + "api/v1/spend");
                assertThat(spend.path("byModel").findValuesAsText("model")).containsExactly("gpt-4o-mini");
                assertThat(spend.path("byModel").path(0).path("costMicros").asLong()).isEqualTo(3_000);
                assertThat(spend.path("topSpenders").path(0).path("userId").asText()).isEqualTo("alice");
                // The tables behind the API fill independently (model/hour, user/day): each is awaited, none assumed.
                JsonNode recent = get(base + "api/v1/spend?since=2h");
                assertThat(recent.path("version").asInt()).isEqualTo(1);
                assertThat(recent.path("hourly").path(0).path("requests").asLong()).isEqualTo(3);
                assertThat(recent.path("daily").path(0).path("savedMicros").asLong()).isEqualTo(500);
            });

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonNode rejections = get(base + "api/v1/rejections");
                assertThat(rejections.path("totals").path("RATE_LIMITED").asLong()).isEqualTo(2);
                assertThat(rejections.path("totals").path("INVALID").asLong()).isEqualTo(1);
                assertThat(rejections.path("pressure").path("RATE_LIMITED").path("count").asLong()).isEqualTo(2);
            });

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode budgets = get(base + "api/v1/budgets");
                assertThat(budgets.path("users").path(0).path("userId").asText()).isEqualTo("alice");
                assertThat(budgets.path("users").path(0).path("usedPercent").asDouble()).isEqualTo(40.0); // 2,000 of 5,000
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(get(base + "api/v1/budgets").path("overspend").findValuesAsText("userId")).containsExactly("bob"));
            assertThat(get(base + "api/v1/budgets").path("overspend").path(0).path("overMicros").asLong()).isEqualTo(700);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode pipeline = get(base + "api/v1/pipeline");
                assertThat(pipeline.path("breakers").path(0).path("state").asText()).isEqualTo("OPEN");
                assertThat(pipeline.path("breakers").path(0).path("name").asText()).isEqualTo("generation gpt-4o-mini/simulated");
                assertThat(pipeline.path("redisDegraded").asBoolean(true)).isFalse();
                assertThat(pipeline.path("moneyHeld").path("micros").asLong()).isEqualTo(3_500);
                assertThat(pipeline.path("moneyHeld").path("users").asLong()).isEqualTo(3);
                assertThat(pipeline.path("moneyHeld").path("oldestSeconds").asLong()).as("the older of the two").isEqualTo(5_400);
                assertThat(pipeline.path("latency").path(0).path("p99Ms").asDouble()).isEqualTo(12.5);
                assertThat(pipeline.path("deadLetters").path(0).path("errorClass").asText()).isEqualTo("SCHEMA_MISMATCH");
                assertThat(pipeline.path("groups").findValuesAsText("group")).contains(prefix + AnalyticsConfig.DEFAULT_APPLICATION_ID);
                assertThat(pipeline.path("throughput").findValuesAsText("topic")).contains(catalog.costs().name());
            });
            JsonNode pipeline = get(base + "api/v1/pipeline");
            assertThat(pipeline.toString()).doesNotContain("pw@").contains("http://127.0.0.1:" + metrics.getAddress().getPort());

            JsonNode all = get(base + "api/v1/dashboard");
            assertThat(all.fieldNames()).toIterable().contains("spend", "rejections", "budgets", "pipeline", "refreshMs");
            assertThat(get(base + "api/v1").path("endpoints").size()).isEqualTo(5);
            for (String path : List.of("", "api/v1/spend", "api/v1/rejections", "api/v1/budgets", "api/v1/pipeline", "api/v1/dashboard")) {
                assertThat(raw(base + path, "GET").body()).as(path).doesNotContain("SECRET-PROMPT");
            }

            assertThat(raw(base + "api/v1/spend", "POST").statusCode()).isEqualTo(405);
            assertThat(raw(base + "api/v1/budgets", "DELETE").statusCode()).isEqualTo(405);
            assertThat(raw(base + "api/v2/spend", "GET").statusCode()).isEqualTo(404);
            assertThat(raw(base + "api/v1/spend?since=banana", "GET").statusCode()).isEqualTo(400);
            HttpResponse<String> page = raw(base, "GET");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'"));
            assertThat(page.body()).contains("/vendor/uPlot.iife.min.js").doesNotContain("https://");
            assertThat(raw(base + "vendor/uPlot.iife.min.js", "GET").body()).contains("uPlot");
        } finally {
            metrics.stop(0);
        }
    }

    private static void send(KafkaBroker kafka, TopicCatalog catalog, Instant now) throws Exception {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, CostEvent> costs = new KafkaProducer<>(props, new StringSerializer(), catalog.costs().valueSerde().serializer());
             KafkaProducer<String, RejectedRequest> rejected = new KafkaProducer<>(props, new StringSerializer(), catalog.rejected().valueSerde().serializer());
             KafkaProducer<String, UserPolicy> policies = new KafkaProducer<>(props, new StringSerializer(), catalog.userPolicies().valueSerde().serializer());
             KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            policies.send(new ProducerRecord<>(catalog.userPolicies().name(), "alice", UserPolicy.newBuilder().setUserId("alice").setTier("PRO")
                    .setDailyBudgetMicros(5_000L).setUpdatedAt(now).build()));
            costs.send(new ProducerRecord<>(catalog.costs().name(), "alice", cost("r1", "alice", 1_500, 0, now)));
            costs.send(new ProducerRecord<>(catalog.costs().name(), "alice", cost("r2", "alice", 500, 0, now)));
            costs.send(new ProducerRecord<>(catalog.costs().name(), "bob", cost("r3", "bob", 1_000, 500, now)));
            costs.send(new ProducerRecord<>(catalog.costs().name(), "bob", CostEvent.newBuilder(cost("r3", "bob", 1_000, 0, now))
                    .setKind(CostKind.OVERSPENT).setReservedMicros(300).build()));
            for (RejectReason reason : List.of(RejectReason.RATE_LIMITED, RejectReason.RATE_LIMITED, RejectReason.INVALID)) {
                rejected.send(new ProducerRecord<>(catalog.rejected().name(), "carol", RejectedRequest.newBuilder()
                        .setRequestId(java.util.UUID.randomUUID().toString()).setUserId("carol").setModel("gpt-4o-mini").setReason(reason)
                        .setDetail("limit").setRequestCreatedAt(now).setRejectedAt(now).build()));
            }
            ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(catalog.dlq().name(), "dave".getBytes(StandardCharsets.UTF_8),
                    PROMPT.getBytes(StandardCharsets.UTF_8));
            letter.headers().add(DeadLetterHeaders.STAGE, "enrichment".getBytes(StandardCharsets.UTF_8));
            letter.headers().add(DeadLetterHeaders.ERROR_CLASS, "SCHEMA_MISMATCH".getBytes(StandardCharsets.UTF_8));
            letter.headers().add(DeadLetterHeaders.MESSAGE, PROMPT.getBytes(StandardCharsets.UTF_8));
            dlq.send(letter);
        }
    }

    private static CostEvent cost(String id, String user, long cost, long saved, Instant at) {
        return CostEvent.newBuilder().setRequestId(id).setUserId(user).setModel("gpt-4o-mini").setProvider("simulated")
                .setInputTokens(10).setOutputTokens(5).setCostMicros(cost).setSavedMicros(saved).setReservedMicros(cost)
                .setCacheHit(saved > 0).setOccurredAt(at).build();
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = raw(url, "GET");
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> raw(String url, String method) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
