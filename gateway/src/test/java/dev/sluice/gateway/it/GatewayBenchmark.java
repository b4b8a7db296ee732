package dev.sluice.gateway.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.sluice.gateway.GatewayStage;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Added latency of gateway + pipeline (exactly-once on) over a direct call to the same mock provider, at 200 and
 * 1,000 requests/s (open loop: requests are sent on schedule whether or not earlier ones finished), and saturation
 * throughput; each as a ratio to the direct call measured in the same run. Not part of verify:
 * {@code ./mvnw -Pbench -pl gateway -am verify -Dit.test=GatewayBenchmark}. Prints a table; asserts nothing.
 */
@ExtendWith(SluiceInfra.class)
class GatewayBenchmark {
    static final Duration RUN = Duration.ofSeconds(Long.getLong("bench.seconds", 20));
    static final Duration PROVIDER_LATENCY = Duration.ofMillis(Long.getLong("bench.provider.ms", 20));

    record Result(int sent, int ok, double seconds, long p50Micros, long p99Micros) {
        double rate() {
            return ok / seconds;
        }
    }

    @Test
    void measureAddedLatencyAndSaturation(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        try (Pipeline pipeline = new Pipeline("gateway-bench", kafka, registry, redis, Map.of(
                "ingest.tier.pro.requests.per.minute", "1000000", "ingest.tier.pro.requests.per.day", "2000000000",
                "ingest.tier.pro.tokens.per.minute", "1000000000000", "ingest.tier.pro.daily.budget.micros", "1000000000000",
                "generation.max.in.flight", "1024", "gateway.http.threads", "4"))) {
            pipeline.llm.latency(PROVIDER_LATENCY);
            GatewayStage gateway = pipeline.gateway("gw-bench");
            String key = pipeline.key("bench", "PRO");
            HttpClient http = HttpClient.newBuilder().executor(java.util.concurrent.Executors.newFixedThreadPool(8)).build();
            URI direct = URI.create(pipeline.llm.openAiBaseUrl() + "/chat/completions");
            URI viaGateway = URI.create(gateway.baseUrl() + "/chat/completions");
            run(http, viaGateway, key, 100, Duration.ofSeconds(5)); // warm-up: JIT, caches, first transactions
            StringBuilder table = new StringBuilder("| load | direct p50 / p99 | gateway p50 / p99 | added p50 / p99 | ratio p99 |\n|---|---|---|---|---|\n");
            for (int rate : new int[] {200, 1000}) {
                Result d = run(http, direct, "sk-mock", rate, RUN);
                Result g = run(http, viaGateway, key, rate, RUN);
                table.append(String.format("| %d req/s (ok %d/%d, %d/%d) | %.1f / %.1f ms | %.1f / %.1f ms | %.1f / %.1f ms | %.2f |%n", rate,
                        d.ok, d.sent, g.ok, g.sent, d.p50Micros / 1e3, d.p99Micros / 1e3, g.p50Micros / 1e3, g.p99Micros / 1e3,
                        (g.p50Micros - d.p50Micros) / 1e3, (g.p99Micros - d.p99Micros) / 1e3, (double) g.p99Micros / d.p99Micros));
            }
            Result dSat = saturate(http, direct, "sk-mock", 512, RUN);
            Result gSat = saturate(http, viaGateway, key, 512, RUN);
            table.append(String.format("| saturation (512 in flight) | %.0f req/s | %.0f req/s | | %.2f of direct |%n", dSat.rate(), gSat.rate(),
                    gSat.rate() / dSat.rate()));
            System.out.println("\nGatewayBenchmark (provider latency " + PROVIDER_LATENCY.toMillis() + " ms, " + RUN.toSeconds() + " s per row)\n" + table);
        }
    }

    static HttpRequest request(URI uri, String key, int i) {
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"bench " + i + " "
                + System.nanoTime() + "\"}]}";
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Open loop at {@code rate} requests/s for {@code duration}. */
    static Result run(HttpClient http, URI uri, String key, int rate, Duration duration) {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<?>> calls = new ArrayList<>();
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        int n = (int) (duration.toNanos() / interval);
        for (int i = 0; i < n; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long sent = System.nanoTime();
            calls.add(http.sendAsync(request(uri, key, i), HttpResponse.BodyHandlers.discarding()).thenAccept(r -> {
                if (r.statusCode() == 200) {
                    latencies.add((System.nanoTime() - sent) / 1_000);
                }
            }));
        }
        calls.forEach(c -> c.exceptionally(e -> null).join());
        return result(n, latencies, (System.nanoTime() - start) / 1e9);
    }

    /** Closed loop with {@code inFlight} calls outstanding: the most this path answers per second. */
    static Result saturate(HttpClient http, URI uri, String key, int inFlight, Duration duration) throws InterruptedException {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        Semaphore slots = new Semaphore(inFlight);
        AtomicInteger sentCount = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        while (System.nanoTime() < end) {
            slots.acquire();
            long sent = System.nanoTime();
            http.sendAsync(request(uri, key, sentCount.incrementAndGet()), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                if (r != null && r.statusCode() == 200) {
                    latencies.add((System.nanoTime() - sent) / 1_000);
                }
                slots.release();
            });
        }
        slots.acquire(inFlight);
        return result(sentCount.get(), latencies, (System.nanoTime() - start) / 1e9);
    }

    static Result result(int sent, ConcurrentLinkedQueue<Long> latencies, double seconds) {
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        long p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
        long p99 = sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
        return new Result(sent, sorted.size(), seconds, p50, p99);
    }
}
