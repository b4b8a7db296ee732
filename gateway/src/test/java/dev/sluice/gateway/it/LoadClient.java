package dev.sluice.gateway.it;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The benchmark's HTTP/1.1 load client (apparatus, not product): keep-alive connections on one Netty event-loop thread.
 * The JDK {@code HttpClient} burns ~0.6-1 ms of CPU per call, about a core at 1,000 calls/s, and on a 2-core machine
 * that queued the baseline row itself and starved the system under test. One call in flight per connection (no
 * pipelining); per target at most {@code maxConnections} open, calls beyond them queue until one frees up. All pool
 * state lives on the event loop, so it needs no locks; futures complete there too: callbacks must not block.
 */
final class LoadClient implements AutoCloseable {
    /** Idle connections older than this are closed, not reused: the JDK server closes them at 30 s, and a call sent as it does is lost. */
    private static final long KEEP_IDLE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("load-client", true),
            NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true);
    private final Map<String, Pool> pools = new HashMap<>(); // event loop only
    private final AtomicInteger opened = new AtomicInteger();
    private final int maxConnections;

    LoadClient(int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
        }
        this.maxConnections = maxConnections;
    }

    /** POSTs {@code body} to {@code uri} (http only); completes with the status code, or exceptionally if the connection fails. */
    CompletableFuture<Integer> post(URI uri, Map<String, String> headers, String body) {
        if (!"http".equals(uri.getScheme())) {
            throw new IllegalArgumentException("only http:// is supported, got " + uri.getScheme());
        }
        Call call = new Call(uri, headers, body.getBytes(StandardCharsets.UTF_8), new CompletableFuture<>());
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        loop.execute(() -> pools.computeIfAbsent(uri.getHost() + ":" + port, k -> new Pool(uri.getHost(), port)).dispatch(call));
        return call.done;
    }

    /** Connections opened so far, over all targets. */
    int connectionsOpened() {
        return opened.get();
    }

    @Override
    public void close() {
        loop.submit(() -> pools.values().forEach(p -> p.waiting.forEach(c -> c.done.completeExceptionally(new IOException("load client closed")))))
                .syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly(); // closes the channels: their calls fail
    }

    private record Call(URI uri, Map<String, String> headers, byte[] body, CompletableFuture<Integer> done) {
        FullHttpRequest request() {
            String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.HOST, uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort());
            headers.forEach(r.headers()::set);
            if (!r.headers().contains(HttpHeaderNames.CONTENT_TYPE)) {
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            }
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            return r;
        }
    }

    /** One target's connections and queued calls; used on the event loop only. */
    private final class Pool {
        final String host;
        final int port;
        final ArrayDeque<Connection> idle = new ArrayDeque<>(); // most recently used first
        final ArrayDeque<Call> waiting = new ArrayDeque<>();
        int open; // connecting or connected
        int connecting;

        Pool(String host, int port) {
            this.host = host;
            this.port = port;
        }

        void dispatch(Call call) {
            for (Connection c; (c = idle.pollFirst()) != null; ) {
                if (System.nanoTime() - c.idleSince < KEEP_IDLE_NANOS) {
                    c.send(call);
                    return;
                }
                c.channel.close(); // its channelInactive leaves the pool and fills it again
            }
            waiting.add(call);
            fill();
        }

        /** Opens connections for the queued calls no connection is being opened for, up to the limit. */
        void fill() {
            while (waiting.size() > connecting && open < maxConnections) {
                open++;
                connecting++;
                Connection c = new Connection(this);
                bootstrap.clone().handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), c);
                    }
                }).connect(host, port).addListener((ChannelFuture f) -> {
                    connecting--;
                    if (f.isSuccess()) {
                        opened.incrementAndGet();
                        c.channel = f.channel();
                        release(c);
                    } else {
                        open--;
                        Call failed = waiting.poll(); // one queued call per failed attempt: a dead target fails them all, never loops
                        if (failed != null) {
                            failed.done.completeExceptionally(new IOException("could not connect to " + this, f.cause()));
                        }
                        fill();
                    }
                });
            }
        }

        /** A connection is free: it takes the oldest queued call that has not timed out, or waits idle. */
        void release(Connection c) {
            for (Call next; (next = waiting.poll()) != null; ) {
                if (!next.done.isDone()) {
                    c.send(next);
                    return;
                }
            }
            c.idleSince = System.nanoTime();
            idle.addFirst(c);
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** The last handler of one connection: completes its call in flight. */
    private static final class Connection extends SimpleChannelInboundHandler<FullHttpResponse> {
        final Pool pool;
        Channel channel;
        Call call;
        boolean keepAlive; // false when the call in flight asked for Connection: close
        long idleSince;

        Connection(Pool pool) {
            this.pool = pool;
        }

        void send(Call next) {
            call = next;
            FullHttpRequest request = next.request();
            keepAlive = HttpUtil.isKeepAlive(request);
            channel.writeAndFlush(request).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    fail(new IOException("could not send to " + pool, f.cause()));
                    channel.close();
                }
            });
        }

        void fail(IOException e) {
            if (call != null) {
                call.done.completeExceptionally(e);
                call = null;
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (response.decoderResult().isFailure()) {
                exceptionCaught(ctx, response.decoderResult().cause());
                return;
            }
            Call done = call;
            call = null;
            if (keepAlive && HttpUtil.isKeepAlive(response)) {
                pool.release(this);
            } else {
                ctx.close(); // Connection: close either way (or HTTP/1.0): channelInactive leaves the pool
            }
            if (done != null) {
                done.done.complete(response.status().code());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(new IOException("connection to " + pool + " failed", cause));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("connection to " + pool + " closed before the response"));
            pool.open--;
            pool.idle.remove(this);
            pool.fill();
        }
    }
}
