package dev.sluice.launcher.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.common.StageHealth;
import dev.sluice.launcher.LauncherException;

/**
 * A stage process's HTTP endpoints: {@code /health} (JSON of {@link StageHealth}; 200 when ready, 503
 * otherwise) and {@code /metrics} (Prometheus text). JDK {@link HttpServer}: no extra dependencies, and
 * two endpoints need no framework.
 */
public final class ObservabilityServer implements AutoCloseable {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private ObservabilityServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code port} (0 = any free port) on all interfaces and serves until closed. */
    public static ObservabilityServer start(int port, Supplier<StageHealth> health, Supplier<String> metrics) {
        HttpServer server;
        try {
            server = dev.sluice.common.JdkHttpServers.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new LauncherException("cannot serve /health and /metrics on port " + port + " (http.port, environment variable "
                    + "SLUICE_HTTP_PORT): " + e.getMessage(), LauncherException.EXIT_FAILURE, e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "sluice-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/health", exchange -> {
            StageHealth h;
            try {
                h = health.get();
            } catch (RuntimeException e) {
                h = HealthJson.failed(e.getClass().getSimpleName());
            }
            respond(exchange, h.ready() ? 200 : 503, "application/json", HealthJson.render(h));
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200, PROMETHEUS_TEXT, metrics.get()));
        server.start();
        return new ObservabilityServer(server, executor);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(bytes);
            }
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
