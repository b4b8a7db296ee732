package dev.sluice.gateway.http;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the {@link GatewayServer}, on its I/O thread. A call is handed to a handler once its body
 * has arrived (or, for an upload, once {@value #STREAM_AFTER} bytes of it have: the rest is read as the handler asks
 * for it, through {@link BodyStream}). Requests a client pipelines behind a call are held until that call is answered,
 * so answers leave in order. A call answered before its body was read whole has the rest dropped as it arrives (up to
 * {@value #DISCARD_LIMIT} bytes, then the connection is closed) so the connection stays usable.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpConnection.class);
    static final int STREAM_AFTER = 64 * 1024;
    static final long DISCARD_LIMIT = 4L << 20;
    /** Pipelined messages held before the connection stops reading. */
    private static final int MAX_PENDING = 64;

    private final GatewayServer server;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Call current;

    HttpConnection(GatewayServer server) {
        this.server = server;
    }

    /** The call being received or answered on this connection; its fields are touched on the I/O thread only. */
    private static final class Call {
        final HttpRequest request;
        final BodyStream body;
        boolean dispatched;
        boolean received;
        boolean answered;
        long discarded;

        Call(HttpRequest request, BodyStream body) {
            this.request = request;
            this.body = body;
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (current != null && current.received) { // pipelined behind a call not answered yet
            pending.add(msg);
            if (pending.size() > MAX_PENDING) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        receive(msg);
    }

    private void receive(Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                if (!request.decoderResult().isSuccess()) {
                    refuse(request.decoderResult().cause());
                    return;
                }
                Channel channel = ctx.channel();
                current = new Call(request, new BodyStream(() -> channel.config().setAutoRead(false),
                        () -> channel.eventLoop().execute(() -> channel.config().setAutoRead(true))));
            }
            if (msg instanceof HttpContent content) {
                Call call = current;
                if (call == null) {
                    return; // the rest of a request already refused
                }
                if (!content.decoderResult().isSuccess()) {
                    refuse(content.decoderResult().cause());
                    return;
                }
                ByteBuf bytes = content.content();
                if (bytes.isReadable()) {
                    if (call.answered) {
                        call.discarded += bytes.readableBytes();
                        if (call.discarded > DISCARD_LIMIT) {
                            ctx.close();
                            return;
                        }
                    } else {
                        call.body.add(ByteBufUtil.getBytes(bytes));
                    }
                }
                if (content instanceof LastHttpContent) {
                    call.received = true;
                    call.body.end();
                    if (call.answered) {
                        finish();
                        return;
                    }
                }
                if (!call.dispatched && (call.received || call.body.queued() >= STREAM_AFTER)) {
                    dispatch(call);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void dispatch(Call call) {
        call.dispatched = true;
        java.util.concurrent.CompletableFuture<GatewayServer.Answered> answer;
        try {
            answer = server.dispatch(call.request, call.body);
        } catch (RuntimeException e) { // the handler pool refused the call: the server is closing
            ctx.close();
            return;
        }
        answer.whenComplete((answered, e) -> {
            if (answered == null) { // only if the handler pool refused the call (the server is closing)
                ctx.close();
                return;
            }
            if (answered.reply().writer() == null) {
                ctx.executor().execute(() -> send(call, answered));
            } else {
                server.executor().execute(() -> stream(call, answered));
            }
        });
    }

    /** Answers with a body in hand (on the I/O thread). */
    private void send(Call call, GatewayServer.Answered answered) {
        Reply reply = answered.reply();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                Unpooled.wrappedBuffer(reply.body()));
        headers(response, reply.headers());
        HttpUtil.setContentLength(response, reply.body().length);
        ctx.writeAndFlush(response).addListener((ChannelFuture f) -> answered(call, answered));
    }

    /** Answers with a streamed body, chunked (on a handler thread: the writer blocks while the client reads slowly). */
    private void stream(Call call, GatewayServer.Answered answered) {
        Reply reply = answered.reply();
        Channel channel = ctx.channel();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()));
        headers(head, reply.headers());
        HttpUtil.setTransferEncodingChunked(head, true);
        try {
            channel.write(head);
            ChunkedOut out = new ChunkedOut(channel);
            reply.writer().write(out);
            out.end(); // only after the whole body: a writer that throws leaves the chunked body unterminated
        } catch (IOException | RuntimeException e) {
            // A streamed body that failed half-way cannot be turned into an error answer any more: the connection is closed.
            log.debug("answer not completed ({}): client gone or body failed", e.getClass().getSimpleName());
            channel.close();
        }
        ctx.executor().execute(() -> answered(call, answered));
    }

    private static void headers(HttpResponse response, Map<String, String> headers) {
        headers.forEach((k, v) -> response.headers().set(k, v));
    }

    /** The answer is written (on the I/O thread): the next pipelined call may go, once this one's body is read whole. */
    private void answered(Call call, GatewayServer.Answered answered) {
        server.answered(answered);
        call.answered = true;
        if (call != current) {
            return;
        }
        if (!call.received) {
            call.body.discard();
            ctx.channel().config().setAutoRead(true);
            return;
        }
        finish();
    }

    private void finish() {
        current = null;
        while (!pending.isEmpty() && (current == null || !current.received)) {
            receive(pending.poll());
        }
        if (pending.size() <= MAX_PENDING && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** A request the codec could not read: answered 400 (431 for headers, 414 for a line too long) and the connection closed. */
    private void refuse(Throwable cause) {
        HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
        if (cause instanceof TooLongFrameException) {
            String kind = cause.getClass().getSimpleName();
            status = kind.contains("Header") ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : kind.contains("Line") ? HttpResponseStatus.REQUEST_URI_TOO_LONG : HttpResponseStatus.BAD_REQUEST;
        }
        Reply reply = Reply.error(ApiError.of(status.code(), "invalid_request_error", "bad_http_request", null,
                "the request could not be read as HTTP/1.1 (" + (cause == null ? "malformed" : cause.getClass().getSimpleName()) + ")",
                Map.of()));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(reply.body()));
        headers(response, reply.headers());
        HttpUtil.setContentLength(response, reply.body().length);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        current = null;
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && current == null) {
            ctx.close(); // idle with no call waiting on it
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (current != null) {
            current.body.fail(new IOException("the client closed the connection before sending the whole body"));
        }
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("gateway connection closed ({})", cause.getClass().getSimpleName());
        ctx.close();
    }

    /** A streamed body as HTTP chunks of up to 64 KiB, each written before the next is filled (back-pressure). */
    private static final class ChunkedOut extends OutputStream {
        private final Channel channel;
        private final byte[] buffer = new byte[64 * 1024];
        private int size;

        ChunkedOut(Channel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            if (size == buffer.length) {
                flushChunk();
            }
            buffer[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (size == buffer.length) {
                    flushChunk();
                }
                int n = Math.min(len, buffer.length - size);
                System.arraycopy(b, off, buffer, size, n);
                size += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() throws IOException {
            flushChunk();
        }

        private void flushChunk() throws IOException {
            if (size == 0) {
                return;
            }
            byte[] chunk = java.util.Arrays.copyOf(buffer, size);
            size = 0;
            await(channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk))));
        }

        /** The body is complete: the last chunk and the terminating empty one. */
        void end() throws IOException {
            flushChunk();
            await(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        }

        private static void await(ChannelFuture f) throws IOException {
            f.awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IOException("the client is gone", f.cause());
            }
        }
    }
}
