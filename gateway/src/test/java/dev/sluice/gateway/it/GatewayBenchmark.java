package dev.sluice.gateway.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

import dev.sluice.common.CommonKeys;
import dev.sluice.gateway.GatewayConfig;
import dev.sluice.gateway.GatewayStage;
import dev.sluice.gateway.RequestPublisher;
import dev.sluice.gateway.TopicTail;
import dev.sluice.gateway.http.ChatRequestParser;
import dev.sluice.gateway.http.Json;
import dev.sluice.schema.GenerationResult;
import dev.sluice.testkit.ProcessCpu;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.ThreadCpu;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the gateway and the pipeline add over calling the provider directly: the same chat request sent (a) by the
 * same HTTP client straight to the mock provider's {@code /v1/chat/completions} (same latency setting: the baseline
 * the gateway is judged against), (b) by producing it to {@code llm.requests} and waiting for its result on
 * {@code llm.results} (the pipeline alone, as a Kafka client would use it: splits the added time between the
 * pipeline and the gateway) and (c) over HTTP through the gateway (authentication, parsing, publishing, the
 * pipeline, reply routing, answer), open loop at fixed rates (requests are sent on schedule whether or not earlier
 * ones finished) and closed loop at saturation, all in the same run; the table gives p50/p99 of each, the
 * difference gateway − direct and the ratios. Exactly-once is on in every stage.
 *
 * <p>Requests are spread round robin over {@code bench.users} users (default 64), each with its own API key: the
 * user id is the key of every pipeline topic, so one user would put every request on one partition (one admission
 * task, one partition of each later stage) — that is not the traffic this measures. With {@code -Dbench.hops=true}
 * {@link Hops} splits each row's time per stage (work vs. transaction commit wait).
 *
 * <p>The broker and the pipeline (ingest, enrichment, generation, the mock provider) run in a second JVM
 * ({@link BenchPipelineMain}); this JVM holds the gateway, the HTTP client, the direct Kafka client and, when asked
 * for, the hop readers and the descriptor sampler ({@code -Dbench.fds=true}): both cost CPU on the two cores being
 * measured, so they are off by default. Each row also prints the cores each JVM used, its busiest threads and the
 * broker's requests by API ({@link BrokerRequests}). Prompts repeat over 64 texts so the enrichment stage's
 * embedding cache answers: the local embedding model's CPU (~300 texts/s on this machine) is not what this
 * measures. Not part of verify: {@code ./mvnw -Pbench -pl gateway -am verify -Dit.test=GatewayBenchmark}.
 * Prints a table; asserts nothing.
 */
@ExtendWith(SluiceInfra.class)
class GatewayBenchmark {
    static {
        // The JDK server closes a connection idle for 30 s (sun.net.httpserver.idleInterval); the JDK client keeps idle
        // ones 1,200 s, so a call sent on one as the server closes it can fail ("header parser received no bytes": 26 and
        // 30 calls in two runs). A client should keep idle connections shorter than the server does. The JDK reads this
        // once, when the JVM's first HttpClient is made (the registry client's, before the test method runs): so here.
        System.setProperty("jdk.httpclient.keepalive.timeout", "20");
    }

    static final Duration RUN = Duration.ofSeconds(Long.getLong("bench.seconds", 20));
    static final Duration PROVIDER_LATENCY = Duration.ofMillis(Long.getLong("bench.provider.ms", 20));
    static final int[] RATES = java.util.Arrays.stream(System.getProperty("bench.rates", "200,1000").split(","))
            .map(String::trim).filter(r -> !r.isEmpty()).mapToInt(Integer::parseInt).toArray();
    /** Users (one API key each) the requests are spread over, round robin. */
    static final int USERS = Integer.getInteger("bench.users", 64);
    /** Open-loop calls outstanding at most; beyond it a scheduled call is counted as not sent (the run would otherwise
     *  measure only its own queue, and hold a socket per queued call). */
    static final int MAX_OUTSTANDING = 4000;
    /**
     * As deployed: ingest, enrichment, generation and the gateway each a {@code sluice run} process of the shaded jar
     * ({@link DeployedStages}), the broker and the mock provider in the second JVM ({@link BenchPipelineMain} without
     * stages). Needs the jar: {@code ./mvnw -q package -DskipTests} first.
     */
    static final boolean DEPLOYED = Boolean.getBoolean("bench.deployed");
    /** Whether the gateway runs as its own process ({@link BenchGatewayMain}, or {@code sluice run gateway}) instead of in this JVM. */
    static final boolean GATEWAY_PROCESS = DEPLOYED || Boolean.getBoolean("bench.gateway.process");
    static final int SATURATION_IN_FLIGHT = Integer.getInteger("bench.saturation.in.flight", 256);
    /** Per path at saturation; 0 skips the saturation rows (e.g. for a per-hop split of the rate rows alone). */
    static final Duration SATURATION_RUN = Duration.ofSeconds(Long.getLong("bench.saturation.seconds", RUN.toSeconds()));
    static final Duration IDLE = Duration.ofSeconds(Long.getLong("bench.idle.seconds", 10));
    /**
     * Per path, at 100 calls/s before the rows. Shorter warm-ups (5 s, 20 s) left the JIT compilers taking 0.2-0.4 of a
     * core in every row and doubled the pipeline's latency at 200 req/s (gateway/README.md, "The apparatus' own cost").
     */
    static final Duration WARMUP = Duration.ofSeconds(Long.getLong("bench.warmup.seconds", 90));
    /**
     * Per path, at each row's own rate, immediately before that path's measured row and not counted: after the
     * 100 calls/s warm-up the JIT still compiled for 2.5-6.9 s of CPU during the first 1,000 req/s rows (the pipeline
     * JVM's compiler threads, 4 Dec), so those rows measured the compiler's work on the same two cores; 0 turns it off.
     * Until 4 Dec 21:00 UTC all three paths warmed up first and were then measured one after another, so each path's
     * row began after ~30 s without calls (see the comment in the rows' loop).
     */
    static final Duration RATE_WARMUP = Duration.ofSeconds(Long.getLong("bench.rate.warmup.seconds", 10));
    /** {@code -Dbench.rate.warmup.together=true}: the order before 4 Dec 21:00 UTC (all three warm-ups, then the three rows), for comparison. */
    static final boolean WARMUP_TOGETHER = Boolean.getBoolean("bench.rate.warmup.together");
    /**
     * The HTTP client of the mock and gateway paths: {@code netty} ({@link LoadClient}, the default) or {@code jdk}
     * ({@code java.net.http}, kept for comparison: ~0.6-1 ms of CPU per call, about a core at 1,000 calls/s of the two).
     */
    static final String CLIENT = client(System.getProperty("bench.client", "netty"));
    /** Sample descriptors (the overload study) during the rows: costs CPU on the cores being measured. */
    static final boolean FDS = Boolean.getBoolean("bench.fds");
    /** Calls that failed without an HTTP status (status -1), by the failure's class and message, over the whole run. */
    static final Map<String, Integer> FAILURES = new ConcurrentHashMap<>();

    static String client(String name) {
        if (!name.equals("netty") && !name.equals("jdk")) {
            throw new IllegalArgumentException("bench.client must be netty or jdk, was " + name);
        }
        return name;
    }

    /** One call of the mock or gateway path: {@link #request}'s headers and body, completes with the status. */
    interface Caller {
        CompletableFuture<Integer> call(URI uri, String key, int i, String idempotencyKey);
    }

    static void failed(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause instanceof java.util.concurrent.CompletionException) {
            cause = cause.getCause();
        }
        FAILURES.merge(cause.getClass().getSimpleName() + ": " + cause.getMessage(), 1, Integer::sum);
    }

    /**
     * @param slowest the seconds of the row (counted from its first call) that sent the most calls slower than its p99,
     *                e.g. "s7 96, s8 41, s12 3": one or two seconds holding them all point at a single stall (a pause, a
     *                rebalance), calls spread over the row at steady queueing
     */
    record Result(int sent, int ok, int notSent, Map<Integer, Integer> statuses, double seconds, long p50Micros, long p99Micros,
                  String slowest) {
        double rate() {
            return ok / seconds;
        }
    }

    @Test
    void measureAddedLatencyAndSaturation(SchemaRegistryServer registry, RedisServer redis) throws Exception {
        String loadBefore = uptime();
        String prefix = SluiceInfra.uniquePrefix("gateway-bench");
        Map<String, String> settings = new TreeMap<>(Map.of(
                "ingest.tier.pro.requests.per.minute", "1000000", "ingest.tier.pro.requests.per.day", "2000000000",
                "ingest.tier.pro.tokens.per.minute", "1000000000000", "ingest.tier.pro.daily.budget.micros", "1000000000000",
                "generation.max.in.flight", "1024",
                // The provider-wide limiter (default 1,000 calls/s) models the provider's quota, not the pipeline's
                // overhead; at its default the 1,000 req/s row would measure the limiter (as in EndToEndBenchmark).
                "generation.rate.limit.per.second", "1000000"));
        // Extra pipeline settings to compare, e.g. -Dbench.set=ingest.stream.threads=2,ingest.commit.interval.ms=100
        for (String kv : System.getProperty("bench.set", "").split(",")) {
            if (!kv.isBlank()) {
                settings.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        Map<String, String> pipelineArgs = new TreeMap<>(settings);
        if (DEPLOYED) {
            pipelineArgs.put("bench.stages", "false");
        }
        // The broker's own settings, e.g. -Dbench.broker.set=num.io.threads=2,num.network.threads=1 (sized for the machine)
        for (String kv : System.getProperty("bench.broker.set", "").split(",")) {
            if (!kv.isBlank()) {
                pipelineArgs.put("broker." + kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        Process child = startPipeline(registry, redis, prefix, pipelineArgs);
        Process gatewayProcess = null;
        DeployedStages deployed = null;
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        // Not closed here: a drain thread reads it until the child exits (closing it first would wait for that thread).
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        try {
            String[] ready = awaitReady(out);
            // The gateway side: same prefix and settings, no stages of its own.
            try (Pipeline pipeline = new Pipeline(prefix, ready[1], registry.url(), redis.uri(), settings, false);
                 Hops hops = new Hops(pipeline, ready[1])) {
                int gatewayPort;
                String gatewayBase;
                GatewayStage inThisJvm = null;
                long gatewayReady = 0;
                if (DEPLOYED) {
                    Map<String, String> values = new TreeMap<>(pipeline.values);
                    values.put(CommonKeys.PROVIDER_BASE_URL, ready[2]); // the mock in the broker's JVM, not this JVM's
                    deployed = new DeployedStages(Path.of(System.getProperty("bench.deployed.sluice", "../sluice")).toAbsolutePath().normalize(),
                            List.of("ingest", "enrichment", "generation", "gateway"), values, SluiceInfra.workDir("bench-deployed"));
                    gatewayReady = System.nanoTime();
                    gatewayPort = deployed.gatewayPort();
                    gatewayBase = "http://127.0.0.1:" + gatewayPort + "/v1";
                } else if (GATEWAY_PROCESS) {
                    gatewayProcess = startGateway(registry, redis, prefix, settings, ready[1]);
                    String[] gw = awaitReady(new BufferedReader(new InputStreamReader(gatewayProcess.getInputStream(), StandardCharsets.UTF_8)));
                    gatewayPort = Integer.parseInt(gw[1]);
                    gatewayBase = gw[2];
                } else {
                    GatewayStage gateway = pipeline.gateway("gw-bench");
                    awaitSettled(gateway);
                    inThisJvm = gateway;
                    gatewayPort = gateway.port();
                    gatewayBase = gateway.baseUrl();
                }
                String[] keys = new String[USERS];
                for (int u = 0; u < USERS; u++) {
                    keys[u] = pipeline.key(user(u), "PRO"); // also publishes the user's PRO policy, used by the direct path too
                }
                Map<String, Long> pids = new java.util.LinkedHashMap<>();
                pids.put(DEPLOYED ? "broker+mock JVM" : "pipeline JVM", child.pid());
                if (DEPLOYED) {
                    pids.putAll(deployed.pids());
                } else if (GATEWAY_PROCESS) {
                    pids.put("gateway JVM", gatewayProcess.pid());
                }
                long gatewayPid = pids.getOrDefault(DEPLOYED ? "gateway" : "gateway JVM", -1L);
                FdSampler fds = new FdSampler(child.pid(), gatewayPort, gatewayPid);
                if (FDS) { // reads every descriptor and the TCP tables: ~0.05-0.1 of a core at 2 samples/s with ~1,000 sockets
                    sampler.scheduleAtFixedRate(fds::sample, 0, 500, TimeUnit.MILLISECONDS);
                }
                URI viaGateway = URI.create(gatewayBase + "/chat/completions");
                URI toMock = URI.create(ready[2] + "/chat/completions");
                AtomicInteger row = new AtomicInteger();
                // A connection per outstanding call at most (open loop: MAX_OUTSTANDING; closed loop: fewer): never the bottleneck.
                try (DirectClient direct = new DirectClient(pipeline, hops);
                     LoadClient netty = CLIENT.equals("netty") ? new LoadClient(MAX_OUTSTANDING) : null) {
                    Caller http = netty != null ? nettyCaller(netty) : jdkCaller();
                    IntFunction<CompletableFuture<Integer>> mock = i -> http.call(toMock, "sk-bench-direct", i, null);
                    IntFunction<CompletableFuture<Integer>> gw = i -> {
                        String idempotencyKey = "bench-" + row.get() + "-" + i;
                        String requestId = dev.sluice.gateway.http.ChatHandler.requestId(user(i), idempotencyKey);
                        hops.sent(requestId);
                        return http.call(viaGateway, keys[i % USERS], i, idempotencyKey).thenApply(status -> {
                            hops.answered(requestId);
                            return status;
                        });
                    };
                    IntFunction<CompletableFuture<Integer>> kafka = direct::call;
                    // warm-up: JIT, caches, first transactions, embeddings of the 64 texts; every key known to the gateway
                    run(mock, 100, WARMUP);
                    run(kafka, 100, WARMUP);
                    row.incrementAndGet();
                    if (DEPLOYED) { // its reply partition settled (owned > gateway.max.wait.ms): its own outcomes answered at home
                        long maxWaitMs = Long.parseLong(settings.getOrDefault(GatewayConfig.MAX_WAIT_MS, Long.toString(GatewayConfig.DEFAULT_MAX_WAIT_MS)));
                        long settledIn = Duration.ofMillis(maxWaitMs + 5_000).toNanos() - (System.nanoTime() - gatewayReady);
                        if (settledIn > 0) {
                            Thread.sleep(settledIn / 1_000_000);
                        }
                    }
                    run(gw, 100, WARMUP);
                    StringBuilder table = new StringBuilder("| load | direct to mock provider p50 / p99 | direct to llm.requests p50 / p99 "
                            + "| via gateway p50 / p99 | added (gateway − mock) p50 / p99 | ratio gateway / mock p50, p99 "
                            + "| ok mock, llm.requests, gateway | gateway statuses | max fds gateway JVM (server sockets) / pipeline JVM |\n"
                            + "|---|---|---|---|---|---|---|---|---|\n");
                    StringBuilder splits = new StringBuilder();
                    for (int rate : RATES) {
                        // Each path warms up at the row's rate right before its own measured row, so that no row
                        // starts after ~30 s without calls (the two other paths' rows): in one run in that order the
                        // gateway row's first two seconds held 193 of its ~200 calls above the p99, in another its
                        // first second 43 of ~150 (the cause not measured).
                        if (WARMUP_TOGETHER) {
                            warm(mock, rate);
                            warm(kafka, rate);
                            row.incrementAndGet();
                            warm(gw, rate);
                        } else {
                            warm(mock, rate);
                        }
                        fds.reset();
                        brokerStats(child, "before " + rate + " req/s");
                        Cpu r0 = Cpu.now(pids);
                        ThreadCpu t0 = ThreadCpu.of(child.pid());
                        Result m = run(mock, rate, RUN);
                        Cpu r1 = Cpu.now(pids);
                        ThreadCpu t1 = ThreadCpu.of(child.pid());
                        brokerStats(child, rate + " req/s direct to mock, " + m.ok + " calls");
                        if (!WARMUP_TOGETHER) {
                            warm(kafka, rate);
                        }
                        brokerStats(child, "warm-up " + rate + " req/s direct to llm.requests");
                        hops.reset();
                        Cpu r1w = Cpu.now(pids);
                        ThreadCpu t1w = ThreadCpu.of(child.pid());
                        Result d = run(kafka, rate, RUN);
                        Cpu r2 = Cpu.now(pids);
                        ThreadCpu t2 = ThreadCpu.of(child.pid());
                        brokerStats(child, rate + " req/s direct to llm.requests, " + d.ok + " calls");
                        splits.append("\n").append(rate).append(" req/s, direct to llm.requests, per hop p50 / p99:\n").append(hops.split());
                        if (!WARMUP_TOGETHER) {
                            row.incrementAndGet(); // fresh idempotency keys for the warm-up
                            warm(gw, rate);
                        }
                        row.incrementAndGet(); // and for the measured row
                        brokerStats(child, "warm-up " + rate + " req/s via gateway");
                        hops.reset();
                        Cpu r2w = Cpu.now(pids);
                        ThreadCpu t2w = ThreadCpu.of(child.pid());
                        Result g = run(gw, rate, RUN);
                        Cpu r3 = Cpu.now(pids);
                        ThreadCpu t3 = ThreadCpu.of(child.pid());
                        brokerStats(child, rate + " req/s via gateway, " + g.ok + " calls");
                        splits.append("\n").append(rate).append(" req/s, via gateway, per hop p50 / p99:\n").append(hops.split());
                        splits.append(String.format("%d req/s, calls slower than the p99 by second of the row (most first): direct to mock %s; "
                                + "direct to llm.requests %s; via gateway %s%n", rate, m.slowest(), d.slowest(), g.slowest()));
                        splits.append(String.format("%d req/s, cores used (%s): direct to mock %s; "
                                + "direct to llm.requests %s; via gateway %s (over each path's run and drain)%n", rate, Cpu.labels(pids), r1.cores(r0),
                                r2.cores(r1w), r3.cores(r2w)));
                        splits.append(String.format("  " + pids.keySet().iterator().next() + "'s busiest threads (CPU ms): direct to mock %s%n  direct to llm.requests %s%n"
                                + "  via gateway %s%n", t1.since(t0, 12), t2.since(t1w, 12), t3.since(t2w, 12)));
                        table.append(String.format("| %d req/s | %.1f / %.1f ms | %.1f / %.1f ms | %.1f / %.1f ms | %.1f / %.1f ms | %.1f, %.1f "
                                        + "| %d/%d, %d/%d, %d/%d (not sent: %d, %d, %d) | %s | %s |%n",
                                rate, m.p50Micros / 1e3, m.p99Micros / 1e3, d.p50Micros / 1e3, d.p99Micros / 1e3, g.p50Micros / 1e3, g.p99Micros / 1e3,
                                (g.p50Micros - m.p50Micros) / 1e3, (g.p99Micros - m.p99Micros) / 1e3,
                                (double) g.p50Micros / Math.max(1, m.p50Micros), (double) g.p99Micros / Math.max(1, m.p99Micros),
                                m.ok, m.sent, d.ok, d.sent, g.ok, g.sent, m.notSent, d.notSent, g.notSent, g.statuses, fds.max()));
                    }
                    fds.reset();
                    // What the JVMs burn with no call at all (stages polling, the hop readers' 5 ms fetches, the broker
                    // answering them): a tax on the same two cores that every row pays.
                    brokerStats(child, "before idle");
                    Cpu idle0 = Cpu.now(pids);
                    ThreadCpu pipelineIdle = ThreadCpu.of(child.pid());
                    ThreadCpu benchIdle = ThreadCpu.of(ProcessHandle.current().pid());
                    Thread.sleep(IDLE.toMillis());
                    Cpu c0 = Cpu.now(pids);
                    String idleThreads = "\n  " + pids.keySet().iterator().next() + ": " + ThreadCpu.of(child.pid()).since(pipelineIdle, 25)
                            + "\n  this JVM: " + ThreadCpu.of(ProcessHandle.current().pid()).since(benchIdle, 25);
                    brokerStats(child, "idle " + IDLE.toSeconds() + " s");
                    Result mSat = saturate(mock, SATURATION_IN_FLIGHT, SATURATION_RUN);
                    Cpu c1 = Cpu.now(pids);
                    brokerStats(child, "saturation direct to mock, " + mSat.ok + " calls");
                    hops.reset();
                    Result dSat = saturate(kafka, SATURATION_IN_FLIGHT, SATURATION_RUN);
                    Cpu c2 = Cpu.now(pids);
                    brokerStats(child, "saturation direct to llm.requests, " + dSat.ok + " calls");
                    splits.append("\nsaturation, direct to llm.requests, per hop p50 / p99:\n").append(hops.split());
                    hops.reset();
                    row.incrementAndGet();
                    Result gSat = saturate(gw, SATURATION_IN_FLIGHT, SATURATION_RUN);
                    Cpu c3 = Cpu.now(pids);
                    brokerStats(child, "saturation via gateway, " + gSat.ok + " calls");
                    splits.append("\nsaturation, via gateway, per hop p50 / p99:\n").append(hops.split());
                    splits.append("\nCPU per answered call at saturation, us (" + Cpu.labels(pids) + ", which holds the client"
                            + (GATEWAY_PROCESS ? "" : " and the gateway") + "):\n  direct to mock: " + c1.perCall(c0, mSat.ok)
                            + "\n  direct to llm.requests: " + c2.perCall(c1, dSat.ok) + "\n  via gateway: " + c3.perCall(c2, gSat.ok)
                            + "\nCPU while idle (no calls for " + IDLE.toSeconds() + " s), cores: " + c0.cores(idle0)
                            + "; busiest threads (CPU ms in the " + IDLE.toSeconds() + " s):" + idleThreads + "\n");
                    table.append(String.format("| saturation (%d in flight) | %.0f req/s, p50 %.1f ms | %.0f req/s, p50 %.1f ms | %.0f req/s, p50 %.1f ms "
                                    + "| | ratio gateway / mock %.3f (llm.requests / mock %.3f, gateway / llm.requests %.2f) | %d, %d, %d | %s | %s |%n",
                            SATURATION_IN_FLIGHT, mSat.rate(), mSat.p50Micros / 1e3, dSat.rate(), dSat.p50Micros / 1e3, gSat.rate(), gSat.p50Micros / 1e3,
                            gSat.rate() / mSat.rate(), dSat.rate() / mSat.rate(), gSat.rate() / dSat.rate(),
                            mSat.ok, dSat.ok, gSat.ok, gSat.statuses, fds.max()));
                    String busy = fds.now();
                    String loadAfter = uptime();
                    // Past the JDK server's idle timeout (30 s): kept-alive connections are closed, what remains is held.
                    Thread.sleep(Long.getLong("bench.settle.ms", 35_000));
                    String settled = fds.now();
                    System.out.println("\nGatewayBenchmark (provider latency " + PROVIDER_LATENCY.toMillis() + " ms, " + RUN.toSeconds()
                            + " s per row after " + RATE_WARMUP.toSeconds() + " s uncounted at its rate, " + USERS + " users, client " + CLIENT
                            + (netty == null ? "" : " (" + netty.connectionsOpened() + " connections opened)")
                            + ", " + (DEPLOYED ? "stages and gateway as `sluice run` processes, broker and mock in a JVM of their own"
                                    : "gateway " + (GATEWAY_PROCESS ? "in its own JVM" : "in this JVM"))
                            + ", settings " + settings + ", load before: " + loadBefore + ", after the rows: " + loadAfter + ")\n" + table
                            + splits
                            + "\ndescriptors right after the last row: " + busy + "; settled: " + settled
                            + "\nfds at gateway start: " + fds.first()
                            + (inThisJvm == null ? "" : "\ngateway outcomes answered at home / copied through the reply topic: "
                                    + inThisJvm.router().answeredHere() + " / " + inThisJvm.router().forwarded())
                            + (deployed == null ? "" : "\ngateway /metrics: " + deployed.metrics("gateway", "sluice_gateway_outcomes_total")
                                    + "\nstages that exited during the run: " + (deployed.deaths().isEmpty() ? "none" : deployed.deaths()))
                            + "\ncalls failed without a status (-1), by cause: " + (FAILURES.isEmpty() ? "none" : new TreeMap<>(FAILURES)));
                }
            }
        } finally {
            sampler.shutdownNow();
            if (deployed != null) {
                deployed.close();
            }
            if (gatewayProcess != null) {
                gatewayProcess.getOutputStream().close();
                if (!gatewayProcess.waitFor(60, TimeUnit.SECONDS)) {
                    gatewayProcess.destroyForcibly();
                }
                try (var lines = Files.lines(SluiceInfra.workDir("bench-gateway").resolve("gateway.log"))) {
                    lines.filter(l -> l.startsWith("STATS ")).forEach(l -> System.out.println(l.substring(6)));
                }
            }
            child.getOutputStream().close();
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            try (var lines = Files.lines(SluiceInfra.workDir("bench-pipeline").resolve("pipeline.log"))) {
                System.out.println("\nbroker requests by API in the pipeline JVM:");
                lines.filter(l -> l.startsWith("STATS ")).forEach(l -> System.out.println("  " + l.substring(6)));
            }
        }
    }

    /**
     * Waits until the gateway's reply partition is settled (owned for longer than the longest wait), so that every row
     * measures the steady state: its own calls' outcomes answered at home (gateway/README.md), unless
     * {@code gateway.answer.own.outcomes=false} is set, in which case nothing is awaited.
     */
    static void awaitSettled(GatewayStage gateway) {
        if (gateway.router().answerOwnOutcomes()) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> gateway.replies().replyPartition().isPresent()
                    && gateway.replies().settled(gateway.replies().replyPartition().getAsInt()));
        }
    }

    /** Asks the pipeline JVM to log its broker's requests by API since the last ask (printed at the end). */
    static void brokerStats(Process pipeline, String label) {
        try {
            pipeline.getOutputStream().write(("STATS " + label + "\n").getBytes(StandardCharsets.UTF_8));
            pipeline.getOutputStream().flush();
        } catch (IOException e) {
            System.out.println("broker stats not asked for: " + e);
        }
    }

    static String user(int i) {
        return "bench-u" + (i % USERS);
    }

    private static Process startPipeline(SchemaRegistryServer registry, RedisServer redis, String prefix, Map<String, String> settings)
            throws IOException {
        Path log = SluiceInfra.workDir("bench-pipeline").resolve("pipeline.log");
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.sluice", "-Dsun.net.httpserver.nodelay=true",
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", // as `sluice` sets it (SluiceCli.jvmDefaults)
                "-cp", System.getProperty("java.class.path"), BenchPipelineMain.class.getName(),
                registry.url(), redis.uri(), prefix, Long.toString(PROVIDER_LATENCY.toMillis())));
        String extra = System.getProperty("bench.pipeline.jvm.args", "").trim(); // e.g. -Xlog:gc:file=/tmp/broker-gc.log
        if (!extra.isEmpty()) {
            command.addAll(1, List.of(extra.split("\\s+")));
        }
        if (Boolean.getBoolean("bench.jfr")) { // a profile of the pipeline JVM, next to its log
            command.add(1, "-XX:StartFlightRecording=filename=" + log.resolveSibling("pipeline.jfr") + ",settings=profile");
        }
        settings.forEach((k, v) -> command.add(k + "=" + v));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static Process startGateway(SchemaRegistryServer registry, RedisServer redis, String prefix, Map<String, String> settings,
                                        String bootstrap) throws IOException {
        Path log = SluiceInfra.workDir("bench-gateway").resolve("gateway.log");
        // -Dbench.gateway.java=<a java binary> and -Dbench.gateway.jvm.args='<flags>' (e.g. a newer JDK's CPU-time profiler)
        List<String> command = new ArrayList<>(List.of(System.getProperty("bench.gateway.java",
                        Paths.get(System.getProperty("java.home"), "bin", "java").toString()),
                "-Xmx512m", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.sluice", "-Dsun.net.httpserver.nodelay=true",
                "-cp", System.getProperty("java.class.path"), BenchGatewayMain.class.getName(),
                bootstrap, registry.url(), redis.uri(), prefix));
        String extra = System.getProperty("bench.gateway.jvm.args", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(1, List.of(extra.split("\\s+")));
        }
        if (Boolean.getBoolean("bench.jfr")) { // and of the gateway JVM, next to its log
            command.add(1, "-XX:StartFlightRecording=filename=" + log.resolveSibling("gateway.jfr") + ",settings=profile");
        }
        settings.forEach((k, v) -> command.add(k + "=" + v));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static String[] awaitReady(BufferedReader out) throws IOException {
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("READY ")) {
                // Keep draining the child's stdout (its console log), or it blocks once the pipe is full.
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // discarded: the child's stderr log has the errors
                        }
                    } catch (IOException e) {
                        // the child is gone
                    }
                }, "bench-pipeline-stdout");
                drain.setDaemon(true);
                drain.start();
                return line.split(" ");
            }
        }
        throw new IllegalStateException("the pipeline process exited before it was ready; see target/testkit/bench-pipeline-*/pipeline.log");
    }

    static String body(int i) {
        return "{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"bench prompt " + (i % 64) + "\"}]}";
    }

    static Caller jdkCaller() {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newFixedThreadPool(4)).build();
        return (uri, key, i, idempotencyKey) -> http.sendAsync(request(uri, key, i, idempotencyKey), HttpResponse.BodyHandlers.discarding())
                .thenApply(HttpResponse::statusCode);
    }

    static Caller nettyCaller(LoadClient client) {
        return (uri, key, i, idempotencyKey) -> {
            Map<String, String> headers = new HashMap<>(4);
            headers.put("Authorization", "Bearer " + key);
            headers.put("Content-Type", "application/json");
            if (idempotencyKey != null) {
                headers.put("Idempotency-Key", idempotencyKey);
            }
            return client.post(uri, headers, body(i)).orTimeout(70, TimeUnit.SECONDS); // as request()'s timeout
        };
    }

    static HttpRequest request(URI uri, String key, int i, String idempotencyKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(70)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json");
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return b.POST(HttpRequest.BodyPublishers.ofString(body(i))).build();
    }

    /** Produces to llm.requests and completes with 200 when the result is read from llm.results (no gateway involved). */
    static final class DirectClient implements AutoCloseable {
        private final RequestPublisher publisher;
        private final ChatRequestParser parser;
        private final Map<String, CompletableFuture<Integer>> waiting = new ConcurrentHashMap<>();
        private final TopicTail results;
        private final Hops hops;

        DirectClient(Pipeline pipeline, Hops hops) throws InterruptedException {
            this.hops = hops;
            Map<String, Object> kafka = CommonKeys.kafkaClientProperties(pipeline.config);
            publisher = new RequestPublisher(kafka, pipeline.catalog.requests(), "bench-direct");
            parser = new ChatRequestParser(dev.sluice.common.ModelCatalog.from(pipeline.config), 1024);
            String topic = pipeline.catalog.results().name();
            results = new TopicTail("bench-direct-results", kafka, List.of(topic), c -> c.endOffsets(c.assignment()), r -> {
                GenerationResult result = pipeline.catalog.results().valueSerde().deserializer().deserialize(topic, r.headers(), r.value());
                CompletableFuture<Integer> f = waiting.remove(result.getRequestId());
                if (f != null) {
                    hops.answered(result.getRequestId());
                    f.complete(200);
                }
            }).start();
            results.awaitCaughtUp(Duration.ofSeconds(30));
        }

        CompletableFuture<Integer> call(int i) {
            String id = UUID.randomUUID().toString();
            CompletableFuture<Integer> done = new CompletableFuture<>();
            waiting.put(id, done);
            hops.sent(id);
            try {
                var chat = parser.parse(Json.MAPPER.readTree(body(i)), user(i), id, Map.of(), Clock.systemUTC().instant());
                publisher.publish(chat.request(), new RecordHeaders());
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
            return done.orTimeout(70, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            results.close();
            publisher.close();
        }
    }

    /** CPU time used so far by each process of the run (by label) and this JVM, in microseconds. */
    record Cpu(Map<String, Long> micros, long bench, long nanos) {
        static Cpu now(Map<String, Long> pids) {
            Map<String, Long> m = new java.util.LinkedHashMap<>();
            pids.forEach((label, pid) -> m.put(label, ProcessCpu.micros(pid)));
            return new Cpu(m, ProcessCpu.ownMicros(), System.nanoTime());
        }

        /** The processes' labels in the order {@link #cores} and {@link #perCall} print them. */
        static String labels(Map<String, Long> pids) {
            return String.join(" / ", pids.keySet()) + " / this JVM";
        }

        /** Cores each process kept busy on average since {@code before}. */
        String cores(Cpu before) {
            double us = (nanos - before.nanos) / 1e3;
            List<String> parts = new ArrayList<>();
            micros.forEach((label, v) -> parts.add(String.format("%.2f", (v - before.micros.get(label)) / us)));
            parts.add(String.format("%.2f", (bench - before.bench) / us));
            return String.join(" / ", parts);
        }

        String perCall(Cpu before, int calls) {
            int n = Math.max(1, calls);
            List<String> parts = new ArrayList<>();
            micros.forEach((label, v) -> parts.add(String.format("%.0f", (v - before.micros.get(label)) / (double) n)));
            parts.add(String.format("%.0f", (bench - before.bench) / (double) n));
            return String.join(" / ", parts);
        }
    }

    /** {@link #RATE_WARMUP} at the row's rate, unmeasured (nothing if it is zero). */
    static void warm(IntFunction<CompletableFuture<Integer>> call, int rate) {
        if (!RATE_WARMUP.isZero()) {
            run(call, rate, RATE_WARMUP);
        }
    }

    /** Open loop at {@code rate} calls/s for {@code duration}. */
    static Result run(IntFunction<CompletableFuture<Integer>> call, int rate, Duration duration) {
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        String startedAt = now();
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        int n = (int) (duration.toNanos() / interval);
        int notSent = 0;
        for (int i = 0; i < n; i++) {
            long wait = start + i * interval - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!outstanding.tryAcquire()) {
                notSent++;
                continue;
            }
            long sent = System.nanoTime();
            calls.add(call.apply(i).whenComplete((status, e) -> {
                outstanding.release();
                if (e != null) {
                    failed(e);
                }
                statuses.merge(status == null ? -1 : status, 1, Integer::sum);
                if (status != null && status == 200) {
                    latencies.add(new long[] {(sent - start) / 1_000_000_000L, (System.nanoTime() - sent) / 1_000});
                }
            }));
        }
        calls.forEach(c -> c.exceptionally(e -> null).join());
        return result(n, notSent, statuses, latencies, (System.nanoTime() - start) / 1e9, startedAt);
    }

    /** Closed loop with {@code inFlight} calls outstanding: the most this path answers per second. */
    static Result saturate(IntFunction<CompletableFuture<Integer>> call, int inFlight, Duration duration) throws InterruptedException {
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        Semaphore slots = new Semaphore(inFlight);
        AtomicInteger sentCount = new AtomicInteger();
        String startedAt = now();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        while (System.nanoTime() < end) {
            slots.acquire();
            long sent = System.nanoTime();
            call.apply(sentCount.incrementAndGet()).whenComplete((status, e) -> {
                if (e != null) {
                    failed(e);
                }
                statuses.merge(status == null ? -1 : status, 1, Integer::sum);
                if (status != null && status == 200) {
                    latencies.add(new long[] {(sent - start) / 1_000_000_000L, (System.nanoTime() - sent) / 1_000});
                }
                slots.release();
            });
        }
        slots.acquire(inFlight);
        return result(sentCount.get(), 0, statuses, latencies, (System.nanoTime() - start) / 1e9, startedAt);
    }

    /** Local wall-clock time to the millisecond, to set a row's seconds beside GC logs. */
    static String now() {
        return java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
    }

    /**
     * @param latencies each call's second of the row (from its start) and latency in microseconds
     * @param startedAt the row's first second, local time
     */
    static Result result(int sent, int notSent, Map<Integer, Integer> statuses, ConcurrentLinkedQueue<long[]> latencies, double seconds,
                         String startedAt) {
        List<Long> sorted = new ArrayList<>(latencies.stream().map(c -> c[1]).toList());
        Collections.sort(sorted);
        long p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
        long p99 = sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
        Map<Long, Integer> slowBySecond = new TreeMap<>();
        latencies.stream().filter(c -> c[1] > p99).forEach(c -> slowBySecond.merge(c[0], 1, Integer::sum));
        String slowest = slowBySecond.entrySet().stream().sorted(Map.Entry.<Long, Integer>comparingByValue().reversed()).limit(4)
                .map(e -> "s" + e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", "));
        return new Result(sent, sorted.size(), notSent, new TreeMap<>(statuses), seconds, p50, p99,
                (slowest.isEmpty() ? "-" : slowest) + " (s0 = " + startedAt + " local time)");
    }

    static String uptime() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
