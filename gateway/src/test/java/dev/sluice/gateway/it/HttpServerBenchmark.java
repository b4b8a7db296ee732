package dev.sluice.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.common.JdkHttpServers;
import dev.sluice.gateway.http.GatewayServer;
import dev.sluice.gateway.http.Reply;
import dev.sluice.testkit.ThreadCpu;
import org.junit.jupiter.api.Test;

/**
 * The CPU one call costs the gateway's HTTP server, per server, in one run: {@link GatewayServer} (Netty, since
 * 2026-12-04) against the JDK {@code HttpServer} used the way the gateway used it until then (a handler pool, the
 * exchange answered from the thread that completes the call's future). Both serve the same handler — read a
 * chat-sized body, answer ~400 bytes of JSON 20 ms later from a timer thread, as an outcome arrives — to the same
 * Netty load client ({@code bench.server.in.flight} calls in flight, closed loop). CPU is counted on the server's
 * threads and the timer's (from {@code /proc}), so the client is left out. Apparatus for the gateway README's
 * "The gateway's HTTP server"; not part of {@code verify}.
 */
class HttpServerBenchmark {
    private static final int IN_FLIGHT = Integer.getInteger("bench.server.in.flight", 64);
    private static final int SECONDS = Integer.getInteger("bench.seconds", 20);
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmup.seconds", 10);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
    private static final String REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"hello there, how are you today\"}],\"max_tokens\":16}";
    private static final byte[] ANSWER = ("{\"id\":\"chatcmpl-0d6c9a4e-5d0b-4d8e-9c1a-5f3e2b7a8c90\",\"object\":\"chat.completion\","
            + "\"created\":1764806400,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"I am well, thank you for asking. How can I help you today?\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":16,\"total_tokens\":30}}").getBytes(StandardCharsets.UTF_8);

    @Test
    void cpuPerServedCall() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "bench-timer"));
        ExecutorService jdkPool = Executors.newFixedThreadPool(8, r -> new Thread(r, "jdk-server-exec"));
        GatewayServer netty = new GatewayServer(1 << 20, (route, status, nanos) -> { })
                .route("POST", "/v1/chat/completions", call -> {
                    call.body();
                    CompletableFuture<Reply> f = new CompletableFuture<>();
                    timer.schedule(() -> f.complete(new Reply(200, Map.of("Content-Type", "application/json"), ANSWER)), 20, TimeUnit.MILLISECONDS);
                    return f;
                }).start(0, 8);
        HttpServer jdk = JdkHttpServers.create(new InetSocketAddress(0), 1024);
        jdk.setExecutor(jdkPool);
        jdk.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            timer.schedule(() -> answer(exchange), 20, TimeUnit.MILLISECONDS);
        });
        jdk.start();
        try (LoadClient client = new LoadClient(1024)) {
            Map<String, URI> servers = new java.util.LinkedHashMap<>();
            servers.put("JDK HttpServer (as the gateway used it)", URI.create("http://127.0.0.1:" + jdk.getAddress().getPort() + "/v1/chat/completions"));
            servers.put("GatewayServer (Netty)", URI.create("http://127.0.0.1:" + netty.port() + "/v1/chat/completions"));
            Map<String, String> threadsOf = Map.of("JDK HttpServer (as the gateway used it)", "HTTP-Dispatcher|jdk-server-exec|bench-timer",
                    "GatewayServer (Netty)", "sluice-gateway-|bench-timer");
            System.out.printf("HttpServerBenchmark (answer 20 ms after the call, %d in flight, %d s per server after %d s warm-up, "
                    + "%d rounds, load before: %s)%n", IN_FLIGHT, SECONDS, WARMUP_SECONDS, ROUNDS, loadAverage());
            System.out.println("| round | server | calls/s | CPU µs per call (server threads + timer) | ÷ JDK HttpServer |");
            System.out.println("|---|---|---|---|---|");
            for (int round = 1; round <= ROUNDS; round++) {
                double baseline = 0;
                for (Map.Entry<String, URI> s : servers.entrySet()) {
                    run(client, s.getValue(), WARMUP_SECONDS, threadsOf.get(s.getKey()));
                    double[] m = run(client, s.getValue(), SECONDS, threadsOf.get(s.getKey()));
                    if (baseline == 0) {
                        baseline = m[1];
                    }
                    System.out.printf("| %d | %s | %.0f | %.0f | %.2f |%n", round, s.getKey(), m[0], m[1], m[1] / baseline);
                }
            }
        } finally {
            netty.close();
            jdk.stop(0);
            jdkPool.shutdownNow();
            timer.shutdownNow();
        }
    }

    private static void answer(HttpExchange exchange) {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, ANSWER.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ANSWER);
            }
        } catch (java.io.IOException e) {
            // the client is gone
        }
    }

    /** Calls per second and CPU µs per call over {@code seconds}, every call asserted answered with 200. */
    private static double[] run(LoadClient client, URI uri, int seconds, String threadPrefixes) throws Exception {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long pid = ProcessHandle.current().pid();
        ThreadCpu before = ThreadCpu.of(pid);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        Map<String, String> headers = Map.of("authorization", "Bearer sk-bench", "content-type", "application/json");
        while (System.nanoTime() < end) {
            inFlight.acquire();
            client.post(uri, headers, REQUEST).whenComplete((status, failure) -> {
                if (failure != null || status != 200) {
                    failed.incrementAndGet();
                }
                done.incrementAndGet();
                inFlight.release();
            });
        }
        inFlight.acquire(IN_FLIGHT);
        double elapsed = (System.nanoTime() - start) / 1e9;
        ThreadCpu after = ThreadCpu.of(pid);
        long serverMillis = 0;
        for (String prefix : threadPrefixes.split("\\|")) {
            serverMillis += after.millisSince(before, prefix);
        }
        assertThat(failed.get()).as("failed calls").isZero();
        return new double[] {done.get() / elapsed, serverMillis * 1000.0 / done.get()};
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
