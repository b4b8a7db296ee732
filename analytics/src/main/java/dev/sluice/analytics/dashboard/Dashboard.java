package dev.sluice.analytics.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.analytics.AnalyticsTopics;
import dev.sluice.common.Durations;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.admin.Admin;

/**
 * The operators' dashboard, served by the analytics stage: the page ({@code /}), its script and style, the bundled
 * uPlot charting library (from its WebJar on the class path: no CDN, works offline) and the read-only JSON API
 * ({@code /api/v1/…}, documented in docs/dashboard.md). JDK {@link HttpServer}: a handful of GET routes need no
 * framework. Binds {@code dashboard.bind.address} (loopback by default).
 */
public final class Dashboard implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATIC = "/dev/sluice/analytics/dashboard/";
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
    /** The page may load and connect to its own origin only; nothing inline. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    private static final Map<String, String[]> ASSETS = Map.of(
            "/", new String[] {STATIC + "index.html", "text/html; charset=utf-8"},
            "/dashboard.js", new String[] {STATIC + "dashboard.js", "text/javascript; charset=utf-8"},
            "/dashboard.css", new String[] {STATIC + "dashboard.css", "text/css; charset=utf-8"},
            "/vendor/uPlot.iife.min.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "/vendor/uPlot.min.css", new String[] {UPLOT + "uPlot.min.css", "text/css; charset=utf-8"});
    private static final List<String> ENDPOINTS = List.of("/api/v1/spend", "/api/v1/rejections", "/api/v1/budgets",
            "/api/v1/pipeline", "/api/v1/dashboard");

    private final DashboardConfig config;
    private final Clock clock;
    private final Tables tables;
    private final TableTail tail;
    private final Admin admin;
    private final PipelineSampler sampler;
    private final HttpServer server;
    private final ExecutorService executor;

    private Dashboard(DashboardConfig config, Clock clock, Tables tables, TableTail tail, Admin admin, PipelineSampler sampler,
                      HttpServer server, ExecutorService executor) {
        this.config = config;
        this.clock = clock;
        this.tables = tables;
        this.tail = tail;
        this.admin = admin;
        this.sampler = sampler;
        this.server = server;
        this.executor = executor;
    }

    /** Starts following the topics, sampling the pipeline and serving; fails naming the key if the port is taken. */
    public static Dashboard start(DashboardConfig config, TopicCatalog catalog, AnalyticsTopics topics, Map<String, Object> kafka,
                                  Clock clock) {
        HttpServer server;
        try {
            server = dev.sluice.common.JdkHttpServers.create(new InetSocketAddress(config.bindAddress(), config.port()), 32);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve the dashboard on " + config.bindAddress() + ":" + config.port() + " ("
                    + DashboardConfig.BIND_ADDRESS + ", " + DashboardConfig.PORT + "): " + e.getMessage(), e);
        }
        Tables tables = new Tables(topics, catalog);
        TableTail tail = new TableTail(kafka, tables);
        Map<String, Object> adminProps = new HashMap<>(kafka);
        adminProps.keySet().removeIf(k -> k.startsWith("isolation") || k.contains("deserializer") || k.contains("serializer"));
        Admin admin = Admin.create(adminProps);
        PipelineSampler sampler = new PipelineSampler(new PipelineProbe(admin, catalog), config.scrapeUrls(), config.refresh(), clock);
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sluice-dashboard-http");
            t.setDaemon(true);
            return t;
        });
        Dashboard dashboard = new Dashboard(config, clock, tables, tail, admin, sampler, server, executor);
        server.setExecutor(executor);
        server.createContext("/", dashboard::handle);
        tail.start();
        server.start();
        return dashboard;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            serve(exchange);
        } finally {
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            send(exchange, 405, "application/json", error("read-only API: " + method + " is not allowed"));
            return;
        }
        URI uri = exchange.getRequestURI();
        String path = uri.getPath();
        String[] asset = ASSETS.get(path);
        if (asset != null) {
            try (InputStream in = Dashboard.class.getResourceAsStream(asset[0])) {
                if (in == null) {
                    send(exchange, 500, "application/json", error("missing resource " + path));
                    return;
                }
                send(exchange, 200, asset[1], in.readAllBytes());
            }
            return;
        }
        Function<Map<String, String>, Object> api = api(path);
        if (api == null) {
            send(exchange, 404, "application/json", error("no such page or endpoint: " + path + "; see /api/v1"));
            return;
        }
        Object body;
        try {
            body = api.apply(query(uri.getRawQuery()));
        } catch (IllegalArgumentException e) {
            send(exchange, 400, "application/json", error(e.getMessage()));
            return;
        }
        send(exchange, 200, "application/json", JSON.writeValueAsBytes(body));
    }

    private Function<Map<String, String>, Object> api(String path) {
        return switch (path) {
            case "/api/v1", "/api/v1/" -> q -> DashboardJson.doc("endpoints", ENDPOINTS, "refreshMs", config.refresh().toMillis(),
                    "query", Map.of("since", "span before now for spend and rejections, e.g. 24h, 90m, 7d (default 24h)"));
            case "/api/v1/spend" -> q -> DashboardJson.spend(tables.snapshot(), from(q));
            case "/api/v1/rejections" -> q -> DashboardJson.rejections(tables.snapshot(), from(q), clock.instant());
            case "/api/v1/budgets" -> q -> DashboardJson.budgets(tables.snapshot(), clock.instant());
            case "/api/v1/pipeline" -> q -> DashboardJson.pipeline(tables.snapshot(), sampler.state());
            case "/api/v1/dashboard" -> q -> {
                Tables.Snapshot s = tables.snapshot();
                Instant from = from(q);
                return DashboardJson.doc("generatedAt", clock.instant().toString(), "refreshMs", config.refresh().toMillis(),
                        "spend", DashboardJson.spend(s, from), "rejections", DashboardJson.rejections(s, from, clock.instant()),
                        "budgets", DashboardJson.budgets(s, clock.instant()), "pipeline", DashboardJson.pipeline(s, sampler.state()));
            };
            default -> null;
        };
    }

    private Instant from(Map<String, String> query) {
        return clock.instant().minus(Durations.parse(query.getOrDefault("since", "24h")));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                out.put(java.net.URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return out;
    }

    private static byte[] error(String message) {
        try {
            return JSON.writeValueAsBytes(DashboardJson.doc("error", message));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        var h = exchange.getResponseHeaders();
        h.set("Content-Type", type);
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Content-Security-Policy", CSP);
        h.set("Referrer-Policy", "no-referrer");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8090/}. */
    public String url() {
        String host = config.bindAddress().equals("0.0.0.0") ? "127.0.0.1" : config.bindAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.getAddress().getPort() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        sampler.close();
        tail.close();
        admin.close();
    }
}
