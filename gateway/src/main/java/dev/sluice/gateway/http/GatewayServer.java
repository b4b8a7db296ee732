package dev.sluice.gateway.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.common.JdkHttpServers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP server: the JDK's {@link HttpServer} (as the stages' /health server), used asynchronously:
 * a handler returns a future and the exchange is answered when it completes, so thousands of calls can wait for
 * their outcome without holding a thread each.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    /** Handles one call; may complete later. Throwing (or completing with) an {@link ApiError} answers with it. */
    @FunctionalInterface
    public interface Handler {
        CompletableFuture<Reply> handle(HttpCall call) throws Exception;
    }

    /** Called once per answered call, for metrics. */
    @FunctionalInterface
    public interface Observer {
        void answered(String route, int status, long nanos);
    }

    private record Route(String method, Pattern path, String name, Handler handler) {}

    private final List<Route> routes = new ArrayList<>();
    private final int maxBodyBytes;
    private final Observer observer;
    private HttpServer server;
    private ExecutorService executor;

    public GatewayServer(int maxBodyBytes, Observer observer) {
        this.maxBodyBytes = maxBodyBytes;
        this.observer = observer;
    }

    /** Adds a route; {@code path} is a regex over the whole path, its groups are the path parameters. */
    public GatewayServer route(String method, String path, Handler handler) {
        routes.add(new Route(method, Pattern.compile(path), method + " " + path, handler));
        return this;
    }

    public GatewayServer start(int port, int threads) {
        try {
            server = JdkHttpServers.create(new InetSocketAddress(port), 1024); // TCP_NODELAY, 4,096 idle keep-alive connections
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve the gateway on port " + port + " (gateway.port, SLUICE_GATEWAY_PORT): "
                    + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sluice-gateway-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void dispatch(HttpExchange exchange) {
        long start = System.nanoTime();
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        boolean pathKnown = false;
        for (Route route : routes) {
            Matcher m = route.path.matcher(path);
            if (!m.matches()) {
                continue;
            }
            pathKnown = true;
            if (!route.method.equals(method)) {
                continue;
            }
            CompletableFuture<Reply> reply;
            try {
                reply = route.handler.handle(new HttpCall(exchange, m, maxBodyBytes));
            } catch (Exception e) {
                reply = CompletableFuture.failedFuture(e);
            }
            reply.whenComplete((r, e) -> send(exchange, route.name, r != null ? r : failure(e), start));
            return;
        }
        ApiError e = pathKnown ? ApiError.of(405, "invalid_request_error", "method_not_allowed", null, method + " is not allowed on " + path, java.util.Map.of())
                : ApiError.notFound("no such endpoint: " + method + " " + path);
        send(exchange, "unmatched", Reply.error(e), start);
    }

    private static Reply failure(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ApiError api) {
            return Reply.error(api);
        }
        // Only the class: an exception message may quote input, and input may be prompt text.
        log.warn("gateway call failed: {}", cause.getClass().getName());
        return Reply.error(ApiError.of(500, "server_error", "internal_error", null,
                "the gateway failed (" + cause.getClass().getSimpleName() + "); retry with the same Idempotency-Key", java.util.Map.of()));
    }

    private void send(HttpExchange exchange, String route, Reply reply, long start) {
        try (exchange) {
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            if (reply.writer() != null) {
                exchange.sendResponseHeaders(reply.status(), 0); // chunked: the length is not known up front
                try (OutputStream out = new java.io.BufferedOutputStream(exchange.getResponseBody(), 64 * 1024)) {
                    reply.writer().write(out);
                }
                return;
            }
            exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply.body());
            }
        } catch (IOException | RuntimeException e) {
            // A streamed body that failed half-way cannot be turned into an error answer any more: the connection is closed.
            log.debug("answer not completed ({}): client gone or body failed", e.getClass().getSimpleName());
        } finally {
            observer.answered(route, reply.status(), System.nanoTime() - start);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
