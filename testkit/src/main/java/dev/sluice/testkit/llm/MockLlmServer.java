package dev.sluice.testkit.llm;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A fake LLM API on a loopback port speaking both the OpenAI Chat Completions shape
 * ({@code POST /v1/chat/completions}) and the Anthropic Messages shape ({@code POST /v1/messages}), with a
 * configurable latency, scripted faults ({@link Fault}: 429 + Retry-After, 500, 503, 529, hang, malformed JSON,
 * connection reset after the whole request was received, an error body echoing the key and prompt, a body of any
 * size sent chunked) and a log of
 * every call. A connection refused before anything is sent is a port with no server: see {@link #start(int)}.
 *
 * <p>Token counts are deterministic: input = request body length / 4, output = 16 (or max_tokens if smaller).
 */
public final class MockLlmServer implements AutoCloseable {
    static {
        // Read once, when the JVM creates its first JDK server (as Sluice's JdkHttpServers does for its own servers).
        // Without TCP_NODELAY the JDK server answers ~45 ms late (Nagle + delayed ACK).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // Past 200 idle keep-alive connections (the JDK default) the server closes one right after answering on it:
        // with hundreds of calls in flight, generation would reconnect per call, and a call sent on a connection as
        // it closed is lost after sending (OUTCOME_UNKNOWN, never retried: seen once in GenerationHandOverIT).
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "4096");
        }
    }

    private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern MAX_TOKENS = Pattern.compile("\"max_tokens\"\\s*:\\s*(\\d+)");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mock-llm");
        t.setDaemon(true);
        return t;
    });
    private final Queue<Fault> script = new ConcurrentLinkedQueue<>();
    private final List<Call> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger count = new AtomicInteger();
    private volatile Fault always = Fault.none();
    private volatile Duration latency = Duration.ZERO;
    private volatile boolean logCalls = true;

    /** One received call. {@code fault} is what the server did with it. */
    public record Call(String path, String authorization, String apiKeyHeader, String body, long receivedNanos, Fault fault,
                       String idempotencyKey) {}

    private MockLlmServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        server.createContext("/v1/chat/completions", ex -> handle(ex, false));
        server.createContext("/v1/messages", ex -> handle(ex, true));
        server.setExecutor(executor);
        server.start();
    }

    /** Starts a server on a free loopback port. */
    public static MockLlmServer start() {
        return start(0);
    }

    /** Starts a server on {@code port} (0: any free port), e.g. where a client was refused a moment ago. */
    public static MockLlmServer start(int port) {
        try {
            return new MockLlmServer(port);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the mock LLM server", e);
        }
    }

    /** Base URL for an OpenAI-compatible client: {@code http://127.0.0.1:<port>/v1}. */
    public String openAiBaseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Base URL for an Anthropic client: {@code http://127.0.0.1:<port>}. */
    public String anthropicBaseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Delay before every answer (faults included). */
    public MockLlmServer latency(Duration delay) {
        this.latency = delay;
        return this;
    }

    /**
     * Whether to keep every call (with its body) for {@link #calls()}; on by default. A benchmark sending hundreds of
     * thousands of calls turns it off: the log would hold them all on the heap it shares. {@link #callCount()} counts on.
     */
    public MockLlmServer logCalls(boolean on) {
        this.logCalls = on;
        return this;
    }

    /** Faults for the next calls, in order; afterwards calls get {@link #always(Fault)}'s behaviour. */
    public MockLlmServer enqueue(Fault... faults) {
        script.addAll(List.of(faults));
        return this;
    }

    /** Behaviour of every call with no scripted fault left ({@link Fault#none()} to answer normally). */
    public MockLlmServer always(Fault fault) {
        this.always = fault;
        return this;
    }

    /** Calls received so far. */
    public int callCount() {
        return count.get();
    }

    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Clears the script, the call log and the counter; answers normally with no latency. */
    public void reset() {
        script.clear();
        calls.clear();
        count.set(0);
        always = Fault.none();
        latency = Duration.ZERO;
    }

    private void handle(HttpExchange ex, boolean anthropic) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Fault fault = script.poll();
        if (fault == null) {
            fault = always;
        }
        count.incrementAndGet();
        if (logCalls) {
            calls.add(new Call(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("authorization"),
                    ex.getRequestHeaders().getFirst("x-api-key"), body, System.nanoTime(), fault,
                    ex.getRequestHeaders().getFirst("idempotency-key")));
        }
        sleep(latency);
        switch (fault.kind()) {
            case NONE -> send(ex, 200, anthropic ? anthropicAnswer(body) : openAiAnswer(body), -1);
            case STATUS -> send(ex, fault.status(), errorBody(anthropic, fault.status(), "mock failure " + fault.status()),
                    fault.retryAfterSeconds());
            case HANG -> {
                sleep(fault.hang());
                send(ex, 504, errorBody(anthropic, 504, "gateway timeout"), -1);
            }
            case MALFORMED_JSON -> send(ex, 200, "{\"choices\": [ this is not json", -1);
            case CONNECTION_RESET -> throw new IOException("mock: dropping the connection without a response");
            case ECHO_SECRETS -> send(ex, fault.status(), errorBody(anthropic, fault.status(),
                    "invalid request; you sent authorization=" + ex.getRequestHeaders().getFirst("authorization")
                            + " x-api-key=" + ex.getRequestHeaders().getFirst("x-api-key") + " body=" + body), -1);
            case HUGE_BODY -> sendHuge(ex, fault.status(), fault.bodyBytes());
            case SLOW -> {
                sleep(fault.hang());
                send(ex, 200, anthropic ? anthropicAnswer(body) : openAiAnswer(body), -1);
            }
        }
    }

    private static String openAiAnswer(String body) {
        long input = Math.max(1, body.length() / 4);
        long output = outputTokens(body);
        return "{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"model\":\"" + model(body) + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Mock answer.\"},"
                + "\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":" + input + ",\"completion_tokens\":" + output + ",\"total_tokens\":" + (input + output) + "}}";
    }

    private static String anthropicAnswer(String body) {
        long input = Math.max(1, body.length() / 4);
        return "{\"id\":\"msg_mock\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model(body) + "\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Mock answer.\"}],\"stop_reason\":\"end_turn\","
                + "\"usage\":{\"input_tokens\":" + input + ",\"output_tokens\":" + outputTokens(body) + "}}";
    }

    private static String errorBody(boolean anthropic, int status, String message) {
        String escaped = message.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        if (anthropic) {
            String type = status == 529 ? "overloaded_error" : status == 429 ? "rate_limit_error" : "api_error";
            return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + escaped + "\"}}";
        }
        return "{\"error\":{\"message\":\"" + escaped + "\",\"type\":\"mock_error\",\"code\":" + status + "}}";
    }

    private static long outputTokens(String body) {
        Matcher m = MAX_TOKENS.matcher(body);
        return m.find() ? Math.min(16, Long.parseLong(m.group(1))) : 16;
    }

    private static String model(String body) {
        Matcher m = MODEL.matcher(body);
        return m.find() ? m.group(1) : "unknown";
    }

    private static void send(HttpExchange ex, int status, String body, long retryAfterSeconds) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "application/json");
        if (retryAfterSeconds >= 0) {
            ex.getResponseHeaders().set("retry-after", Long.toString(retryAfterSeconds));
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** {@code bytes} bytes (Long.MAX_VALUE: without end) of filler, chunked; a client that stops reading ends it. */
    private static void sendHuge(HttpExchange ex, int status, long bytes) throws IOException {
        ex.getResponseHeaders().set("content-type", "application/json");
        ex.sendResponseHeaders(status, 0);
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');
        try (OutputStream out = ex.getResponseBody()) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }

    private static void sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
