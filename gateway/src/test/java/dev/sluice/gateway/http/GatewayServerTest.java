package dev.sluice.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's HTTP server over real sockets, with the JDK's HTTP client and hand-written requests on raw sockets
 * (for what a client library hides: pipelining, the same connection after a refusal, malformed requests).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayServerTest {
    static final int MAX_BODY = 64 * 1024;

    final List<String> answered = new CopyOnWriteArrayList<>();
    final AtomicLong mostQueued = new AtomicLong();
    final CompletableFuture<Reply> slow = new CompletableFuture<>();
    GatewayServer server;
    HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        server = new GatewayServer(MAX_BODY, (route, status, nanos) -> answered.add(route + " " + status))
                .route("GET", "/v1/hello/([^/]+)", call -> CompletableFuture.completedFuture(text(200, "hello " + call.pathParam(1)
                        + call.query("q").map(q -> " q=" + q).orElse(""))))
                .route("POST", "/v1/echo", call -> CompletableFuture.completedFuture(new Reply(200, Map.of("Content-Type", "application/octet-stream"), call.body())))
                .route("POST", "/v1/upload", call -> {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    InputStream in = call.bodyStream();
                    byte[] buf = new byte[8192];
                    long total = 0;
                    for (int n; (n = in.read(buf)) > 0; ) {
                        sha.update(buf, 0, n);
                        total += n;
                        mostQueued.accumulateAndGet(in.available(), Math::max);
                        if (total % (1 << 20) < n) {
                            Thread.sleep(2); // a handler slower than the client: the server must stop reading, not buffer
                        }
                    }
                    return CompletableFuture.completedFuture(text(200, total + " " + hex(sha.digest())));
                })
                .route("GET", "/v1/slow", call -> slow)
                .route("GET", "/v1/stream/(\\d+)", call -> {
                    int megabytes = Integer.parseInt(call.pathParam(1));
                    return CompletableFuture.completedFuture(Reply.streamed(200, Map.of("Content-Type", "application/jsonl"), out -> {
                        byte[] mb = pattern(1 << 20);
                        for (int i = 0; i < megabytes; i++) {
                            out.write(mb);
                        }
                    }));
                })
                .route("GET", "/v1/broken-stream", call -> CompletableFuture.completedFuture(Reply.streamed(200, Map.of(), out -> {
                    out.write(pattern(200_000));
                    throw new IOException("the file's source failed half-way");
                })))
                .route("GET", "/v1/fails", call -> {
                    throw new IllegalStateException("prompt text that must not be echoed");
                })
                .start(0, 4);
    }

    @AfterEach
    void stop() {
        slow.complete(text(200, "late"));
        server.close();
    }

    static Reply text(int status, String body) {
        return new Reply(status, Map.of("Content-Type", "text/plain"), body.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    static String hex(byte[] digest) {
        StringBuilder s = new StringBuilder();
        for (byte b : digest) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRouteByPathAndMethodWithPathParametersAndQuery() throws Exception {
        HttpResponse<String> ok = get("/v1/hello/alice?q=a%20b");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("hello alice q=a b");

        HttpResponse<String> unknown = get("/v1/nothing");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"error\"").contains("no such endpoint: GET /v1/nothing");

        HttpResponse<String> wrongMethod = client.send(HttpRequest.newBuilder(uri("/v1/hello/x")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.body()).contains("method_not_allowed");
        assertThat(answered).contains("GET /v1/hello/([^/]+) 200", "unmatched 404", "unmatched 405");
    }

    @Test
    void shouldAnswerAFailingHandlerWith500NamingOnlyTheExceptionClass() throws Exception {
        HttpResponse<String> r = get("/v1/fails");

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("IllegalStateException").doesNotContain("prompt text");
    }

    @Test
    void shouldEchoABodyAndHonourExpectContinue() throws Exception {
        byte[] body = pattern(30_000);
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri("/v1/echo")).expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
    }

    @Test
    void shouldRefuseABodyOverTheLimitWith413AndKeepTheConnectionUsable() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            byte[] body = pattern(MAX_BODY + 200_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.write("GET /v1/hello/again HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();

            assertThat(readResponse(in)).startsWith("HTTP/1.1 413").contains("body_too_large");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("hello again");
        }
    }

    @Test
    void shouldStreamAnUploadThroughTheHandlerWithoutHoldingIt() throws Exception {
        int size = 48 << 20;
        byte[] chunk = pattern(1 << 20);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < size / chunk.length; i++) {
            sha.update(chunk);
        }
        HttpRequest upload = HttpRequest.newBuilder(uri("/v1/upload")).POST(HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
            int sent;
            int pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (sent == size) {
                    return -1;
                }
                int n = Math.min(len, Math.min(chunk.length - pos, size - sent));
                System.arraycopy(chunk, pos, b, off, n);
                pos = (pos + n) % chunk.length;
                sent += n;
                return n;
            }
        })).build(); // no length: sent chunked

        HttpResponse<String> r = client.send(upload, HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(size + " " + hex(sha.digest()));
        // Bytes received and not yet read by the handler, at most: the high-water mark and what one read loop brings.
        assertThat(mostQueued.get()).isPositive().isLessThan(2L << 20);
    }

    @Test
    void shouldStreamALargeAnswerChunked() throws Exception {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri("/v1/stream/20")).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Transfer-Encoding")).contains("chunked");
        assertThat(r.body()).hasSize(20 << 20);
        assertThat(r.body()[(20 << 20) - 1]).isEqualTo(pattern(1 << 20)[(1 << 20) - 1]);
    }

    @Test
    void shouldLeaveABodyWhoseWriterFailedUnterminated() {
        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(uri("/v1/broken-stream")).build(), HttpResponse.BodyHandlers.ofByteArray()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrderEvenWhenTheFirstFinishesLast() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(("GET /v1/slow HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /v1/hello/second HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            Thread.sleep(300); // the second is ready long before the first
            slow.complete(text(200, "first"));
            InputStream in = s.getInputStream();

            assertThat(readResponse(in)).endsWith("first");
            assertThat(readResponse(in)).endsWith("hello second");
        }
    }

    @Test
    void shouldServeManyCallsOverOneKeptAliveConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            for (int i = 0; i < 50; i++) {
                s.getOutputStream().write(("GET /v1/hello/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(s.getInputStream())).endsWith("hello " + i);
            }
        }
    }

    @Test
    void shouldGoOnAfterAClientLeftWhileItsCallWaited() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write("GET /v1/slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            Thread.sleep(100);
        }
        slow.complete(text(200, "nobody listens"));

        assertThat(get("/v1/hello/next").body()).isEqualTo("hello next");
    }

    @Test
    void shouldRefuseWhatIsNotHttpWith400AndOversizedHeadersWith431() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write("GET /v1/hello/x HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 400").contains("bad_http_request");
            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            String big = "x".repeat(GatewayServer.MAX_HEADER_BYTES + 10);
            s.getOutputStream().write(("GET /v1/hello/x HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 431");
        }
        assertThat(get("/v1/hello/still").statusCode()).isEqualTo(200);
    }

    /** Reads one HTTP/1.1 response with a Content-Length from {@code in}: the head and the body, as text. */
    static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        List<String> lines = new ArrayList<>(List.of(text.split("\r\n")));
        for (String line : lines) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
