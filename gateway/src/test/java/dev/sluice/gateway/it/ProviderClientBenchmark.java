package dev.sluice.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.junit.jupiter.api.Test;

import dev.sluice.generation.provider.ChatTurn;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.provider.OpenAiProvider;
import dev.sluice.testkit.ThreadCpu;
import dev.sluice.testkit.llm.MockLlmServer;

/**
 * The CPU one provider call costs the calling JVM, per HTTP client, in one run against the test kit's mock provider
 * (20 ms latency, {@code bench.provider.in.flight} calls in flight, closed loop): generation's provider
 * ({@link OpenAiProvider}, Apache HttpClient 5 + JSON both ways), and three bare clients posting the same bytes —
 * {@code java.net.http} as generation used it until 2026-12-04 (async, a 4-thread executor, the body as a String),
 * HttpClient 5 with one I/O thread, and Netty ({@link LoadClient}). CPU is counted on each client's own threads (from
 * {@code /proc}) plus the calling thread, so the mock server's threads are left out. Apparatus for the generation
 * README's "The provider's HTTP client"; not part of {@code verify}.
 */
class ProviderClientBenchmark {
    private static final int IN_FLIGHT = Integer.getInteger("bench.provider.in.flight", 64);
    private static final int SECONDS = Integer.getInteger("bench.seconds", 20);
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmup.seconds", 10);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"hello there, how are you today\"}],\"max_tokens\":16}";

    @Test
    void cpuPerProviderCall() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        AtomicInteger n = new AtomicInteger();
        ExecutorService jdkExecutor = Executors.newFixedThreadPool(4, r -> new Thread(r, "jdk-client-exec-" + n.incrementAndGet()));
        ExecutorService providerExecutor = Executors.newFixedThreadPool(4, r -> new Thread(r, "provider-exec-" + n.incrementAndGet()));
        CloseableHttpAsyncClient hc5 = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create().setMaxConnTotal(1024).setMaxConnPerRoute(1024).build())
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).build())
                .setThreadFactory(r -> new Thread(r, "bare-hc5-io"))
                .disableAutomaticRetries()
                .build();
        hc5.start();
        HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(jdkExecutor).build();
        try (MockLlmServer mock = MockLlmServer.start(); LoadClient netty = new LoadClient(1024);
             OpenAiProvider provider = new OpenAiProvider(mock.openAiBaseUrl(), "sk-bench", Duration.ofSeconds(30), providerExecutor,
                     Clock.systemUTC())) {
            URI uri = URI.create(mock.openAiBaseUrl() + "/chat/completions");
            CompletionRequest request = new CompletionRequest("r-1", "gpt-4o-mini",
                    List.of(new ChatTurn("user", "hello there, how are you today")), 16, null, "sluice-bench");
            Map<String, Supplier<CompletableFuture<Integer>>> clients = new java.util.LinkedHashMap<>();
            clients.put("java.net.http (bare, as generation used it)", () -> jdk.sendAsync(HttpRequest.newBuilder(uri)
                    .header("content-type", "application/json").header("authorization", "Bearer sk-bench")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString()).thenApply(HttpResponse::statusCode));
            clients.put("generation's provider (HttpClient 5 + JSON)", () -> provider.complete(request).thenApply(c -> 200));
            clients.put("HttpClient 5 (bare)", () -> {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                hc5.execute(SimpleRequestBuilder.post(uri).addHeader("authorization", "Bearer sk-bench")
                        .setBody(BODY, ContentType.APPLICATION_JSON).build(), new FutureCallback<SimpleHttpResponse>() {
                            @Override public void completed(SimpleHttpResponse r) { f.complete(r.getCode()); }
                            @Override public void failed(Exception e) { f.completeExceptionally(e); }
                            @Override public void cancelled() { f.cancel(false); }
                        });
                return f;
            });
            clients.put("Netty (bare, LoadClient)", () -> netty.post(uri, Map.of("authorization", "Bearer sk-bench"), BODY));
            Map<String, String> threadsOf = Map.of(
                    "java.net.http (bare, as generation used it)", "jdk-client-exec|HttpClient-",
                    "generation's provider (HttpClient 5 + JSON)", "provider-exec|sluice-provider",
                    "HttpClient 5 (bare)", "bare-hc5-io",
                    "Netty (bare, LoadClient)", "load-client");
            System.out.printf("ProviderClientBenchmark (mock provider latency 20 ms, %d in flight, %d s per client after %d s warm-up, "
                    + "%d rounds, load before: %s)%n", IN_FLIGHT, SECONDS, WARMUP_SECONDS, ROUNDS, loadAverage());
            System.out.println("| round | client | calls/s | CPU µs per call (client threads + calling thread) | ÷ java.net.http |");
            System.out.println("|---|---|---|---|---|");
            for (int round = 1; round <= ROUNDS; round++) {
                double baseline = 0;
                for (Map.Entry<String, Supplier<CompletableFuture<Integer>>> c : clients.entrySet()) {
                    run(c.getValue(), WARMUP_SECONDS, mock, threads, threadsOf.get(c.getKey()));
                    double[] m = run(c.getValue(), SECONDS, mock, threads, threadsOf.get(c.getKey()));
                    if (baseline == 0) {
                        baseline = m[1];
                    }
                    System.out.printf("| %d | %s | %.0f | %.0f | %.2f |%n", round, c.getKey(), m[0], m[1], m[1] / baseline);
                }
            }
        } finally {
            hc5.close();
            jdkExecutor.shutdownNow();
            providerExecutor.shutdownNow();
        }
    }

    /** Calls per second and CPU µs per call over {@code seconds}, every call asserted answered with 200. */
    private static double[] run(Supplier<CompletableFuture<Integer>> call, int seconds, MockLlmServer mock, ThreadMXBean threads,
                                String threadPrefixes) throws Exception {
        mock.reset(); // the mock keeps a log of every call
        mock.latency(Duration.ofMillis(20));
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long pid = ProcessHandle.current().pid();
        ThreadCpu before = ThreadCpu.of(pid);
        long callingBefore = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            inFlight.acquire();
            call.get().whenComplete((status, failure) -> {
                if (failure != null || status != 200) {
                    failed.incrementAndGet();
                }
                done.incrementAndGet();
                inFlight.release();
            });
        }
        inFlight.acquire(IN_FLIGHT);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long callingMicros = (threads.getCurrentThreadCpuTime() - callingBefore) / 1000;
        ThreadCpu after = ThreadCpu.of(pid);
        long clientMillis = 0;
        for (String prefix : threadPrefixes.split("\\|")) {
            clientMillis += after.millisSince(before, prefix);
        }
        assertThat(failed.get()).as("failed calls").isZero();
        return new double[] {done.get() / elapsed, (clientMillis * 1000.0 + callingMicros) / done.get()};
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
