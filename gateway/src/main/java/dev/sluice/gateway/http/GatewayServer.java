package dev.sluice.gateway.http;

import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP/1.1 server, on Netty's HTTP codec: one I/O thread reads requests and writes answers for every
 * connection, a small pool ({@code gateway.http.threads}) runs the handlers, and a handler returns a future: the call
 * is answered when it completes, so thousands of calls can wait for their outcome without holding a thread each.
 * Keep-alive, {@code Expect: 100-continue} and pipelined requests (answered in order) are served; a connection idle
 * for {@value #IDLE_SECONDS} s with no call waiting is closed. It replaced the JDK's {@code HttpServer}, which cost
 * about twice the CPU per call (gateway/README.md, "The gateway's HTTP server").
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    /** Idle keep-alive connections (no call waiting on them) are closed after this long, as the JDK server did. */
    static final int IDLE_SECONDS = 30;
    static final int MAX_INITIAL_LINE = 8 * 1024;
    static final int MAX_HEADER_BYTES = 32 * 1024;

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
    private EventLoopGroup io;
    private ExecutorService executor;
    private Channel listener;

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
        executor = Executors.newFixedThreadPool(threads, daemon("sluice-gateway-http"));
        io = new MultiThreadIoEventLoopGroup(1, daemon("sluice-gateway-io"), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap().group(io).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true) // else a small answer can leave ~40 ms late (Nagle)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 64 * 1024))
                                .addLast(new HttpServerExpectContinueHandler())
                                .addLast(new HttpServerKeepAliveHandler())
                                .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast(new HttpConnection(GatewayServer.this));
                    }
                });
        try {
            listener = bootstrap.bind(port).syncUninterruptibly().channel();
        } catch (Exception e) {
            close();
            String why = e instanceof BindException ? "the port is in use or not allowed" : e.getClass().getSimpleName();
            throw new IllegalStateException("cannot serve the gateway on port " + port + " (gateway.port, SLUICE_GATEWAY_PORT): "
                    + why + ": " + e.getMessage(), e);
        }
        return this;
    }

    public int port() {
        return ((java.net.InetSocketAddress) listener.localAddress()).getPort();
    }

    int maxBodyBytes() {
        return maxBodyBytes;
    }

    ExecutorService executor() {
        return executor;
    }

    /**
     * Runs the handler of {@code request} (on a handler thread) and completes with its answer; an unknown path is a
     * 404, a known path with another method a 405, a handler that throws is answered by {@link #failure}.
     */
    CompletableFuture<Answered> dispatch(HttpRequest request, BodyStream body) {
        long start = System.nanoTime();
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        String method = request.method().name();
        int q = request.uri().indexOf('?');
        String rawQuery = q < 0 ? null : request.uri().substring(q + 1);
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
            HttpCall call = new HttpCall(request.headers(), rawQuery, body, m, maxBodyBytes);
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return route.handler.handle(call);
                } catch (Exception e) {
                    return CompletableFuture.<Reply>failedFuture(e);
                }
            }, executor).thenCompose(f -> f).handle((r, e) -> new Answered(route.name, r != null ? r : failure(e), start));
        }
        ApiError e = pathKnown ? ApiError.of(405, "invalid_request_error", "method_not_allowed", null, method + " is not allowed on " + path, java.util.Map.of())
                : ApiError.notFound("no such endpoint: " + method + " " + path);
        return CompletableFuture.completedFuture(new Answered("unmatched", Reply.error(e), start));
    }

    /** A call's answer, with the route it took and when it started, for {@link #answered}. */
    record Answered(String route, Reply reply, long startNanos) {}

    void answered(Answered a) {
        observer.answered(a.route(), a.reply().status(), System.nanoTime() - a.startNanos());
    }

    static Reply failure(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ApiError api) {
            return Reply.error(api);
        }
        // Only the class: an exception message may quote input, and input may be prompt text.
        log.warn("gateway call failed: {}", cause.getClass().getName());
        return Reply.error(ApiError.of(500, "server_error", "internal_error", null,
                "the gateway failed (" + cause.getClass().getSimpleName() + "); retry with the same Idempotency-Key", java.util.Map.of()));
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (io != null) {
            io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
