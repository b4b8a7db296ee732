package dev.sluice.enrichment;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.sluice.enrichment.cache.LettuceEmbeddingCache;
import dev.sluice.enrichment.embed.MiniLmEmbedder;
import dev.sluice.enrichment.embed.SharedModel;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SluiceInfra;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One run, printing: P3 = warm-path records/s (Enricher over lettuce: normalise, hash, one MGET per 500-record poll,
 * decode, build EnrichedRequest) ÷ raw lettuce MGET of the same keys in the same chunks; P4 = warm ÷ cold (cold =
 * the same path with every key missing: model at the stage's default batch size 1, plus the write-back); model
 * texts/s at batch 1, 32 and 256 (direct ONNX Runtime), and langchain4j's embedAll for comparison. P3 is the median of
 * {@code -Dbench.enrichment.rounds} (15) timed rounds, after {@code -Dbench.enrichment.warmup.rounds} (10) untimed ones;
 * each side's CPU per record (the calling thread's and lettuce's I/O threads') is printed beside it.
 * Run: {@code ./mvnw -Pbench -o -pl enrichment verify}.
 */
@ExtendWith(SluiceInfra.class)
class EnrichmentBenchmark {
    /** Records per poll, hence per raw MGET and per {@code enrich} call ({@code -Dbench.enrichment.poll}; the stage's default 500). */
    private static final int POLL = Integer.getInteger("bench.enrichment.poll", 500);
    private static final int DISTINCT = 2_000;
    private static final int WARM_RECORDS = 100_000;
    private static final int COLD_RECORDS = 500;
    private static final int ROUNDS = Integer.getInteger("bench.enrichment.rounds", 15);
    /** Untimed rounds of every side before the timed ones ({@code -Dbench.enrichment.warmup.rounds}). */
    private static final int WARMUP_ROUNDS = Integer.getInteger("bench.enrichment.warmup.rounds", 10);

    @Test
    void benchmark(RedisServer redis) {
        redis.start();
        redis.flushAll();
        List<String> texts = texts(DISTINCT + COLD_RECORDS, 7);
        List<AdmittedRequest> warmSet = texts.subList(0, DISTINCT).stream().map(t -> TestRequests.admitted("u", t)).toList();
        List<AdmittedRequest> coldSet = texts.subList(DISTINCT, DISTINCT + COLD_RECORDS).stream().map(t -> TestRequests.admitted("u", t)).toList();
        MiniLmEmbedder model = SharedModel.get();
        Clock clock = Clock.systemUTC();
        // the baseline: a raw lettuce MGET, as an application would write it, on a connection held for the whole run
        RedisClient rawClient = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, byte[]> rawConnection = rawClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
             ResilientCache cache = new ResilientCache(new LettuceEmbeddingCache(redis.uri(), Duration.ofSeconds(2)),
                Duration.ofDays(7), Duration.ofSeconds(5), EnrichmentConfig.DEFAULT_LOCAL_CACHE_ENTRIES, clock)) {
            Enricher enricher = new Enricher(model, cache, new EnrichmentMetrics(new SimpleMeterRegistry()), 4096, clock);
            // The warm path is measured with the stage's lookup parts and with each size of -Dbench.enrichment.parts
            // (e.g. 500 = one MGET per poll, the lookup before parts), all in the same rounds.
            int[] partSizes = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(Enricher.LOOKUP_PART_KEYS),
                    java.util.Arrays.stream(System.getProperty("bench.enrichment.parts", "").split(","))
                            .map(String::trim).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt)).distinct().toArray();
            Enricher[] variants = new Enricher[partSizes.length];
            for (int v = 0; v < partSizes.length; v++) {
                variants[v] = new Enricher(model, cache, new EnrichmentMetrics(new SimpleMeterRegistry()), 4096, clock, partSizes[v]);
            }

            long t0 = System.nanoTime();
            for (int i = 0; i < coldSet.size(); i += POLL) {
                enricher.enrich(coldSet.subList(i, Math.min(coldSet.size(), i + POLL)));
            }
            double cold = COLD_RECORDS / seconds(t0);

            for (int i = 0; i < warmSet.size(); i += POLL) {
                enricher.enrich(warmSet.subList(i, i + POLL)); // fills Redis (not timed)
            }
            List<String> keys = warmSet.stream().map(a -> CacheKeys.of(model.modelId(),
                    EmbeddingText.normalise(EmbeddingText.userText(a.getRequest()), true, 4096).text())).toList();
            // Untimed rounds first: without them the rates still rose round after round (JIT), from ~270k to ~800k
            // keys/s over the first 15 rounds, and the median ratio mixed cold rounds with warm ones.
            for (int round = 0; round < WARMUP_ROUNDS; round++) {
                for (Enricher variant : variants) {
                    warmPath(variant, warmSet, null);
                }
                rawMget(rawConnection, keys, null);
            }
            double raw = 0;
            double[] warm = new double[variants.length];
            // The host is shared: each round measures every side back-to-back (order alternating), and P3 is the median
            // of the rounds' ratios, so a load spike hits one pair, not one side of the ratio.
            double[][] ratios = new double[variants.length][ROUNDS];
            Cost[] cost = java.util.stream.Stream.generate(Cost::new).limit(variants.length).toArray(Cost[]::new);
            Cost rawCost = new Cost();

            for (int round = 0; round < ROUNDS; round++) {
                for (int k = 0; k < variants.length; k++) {
                    int v = round % 2 == 0 ? k : variants.length - 1 - k;
                    // each side of a ratio next to its own raw MGET, the order within the pair alternating
                    boolean rawFirst = (round + k) % 2 == 0;
                    double r = rawFirst ? rawMget(rawConnection, keys, rawCost) : 0;
                    double w = warmPath(variants[v], warmSet, cost[v]);
                    if (!rawFirst) {
                        r = rawMget(rawConnection, keys, rawCost);
                    }
                    raw = Math.max(raw, r);
                    warm[v] = Math.max(warm[v], w);
                    ratios[v][round] = w / r;
                }
            }
            double[] sorted = ratios[0].clone();
            java.util.Arrays.sort(sorted);
            double[] modelRates = {modelRate(1, texts), modelRate(32, texts), modelRate(256, texts)};
            double lc4j = langchain4jRate(texts);
            System.out.printf("%n=== EnrichmentBenchmark (records of ~%d chars, poll %d, Redis on loopback, %d cores) ===%n",
                    texts.get(0).length(), POLL, Runtime.getRuntime().availableProcessors());
            System.out.printf("raw lettuce MGET          %,10.0f keys/s%n", raw);
            System.out.printf("warm path (all hits)      %,10.0f records/s (lookup in parts of %d keys)%n", warm[0], partSizes[0]);
            System.out.printf("(rates: best of %d rounds each)%n", ROUNDS);
            System.out.printf("cold path (all misses)    %,10.0f records/s%n", cold);
            System.out.printf("P3 warm / raw MGET        %10.2f   (goal >= 0.7; median of %d rounds, each against a raw lettuce MGET"
                    + " of the same keys measured next to it; rounds %.2f-%.2f; best of each side %.2f)%n",
                    sorted[ROUNDS / 2], ROUNDS, sorted[0], sorted[ROUNDS - 1], warm[0] / raw);
            for (int v = 1; v < variants.length; v++) {
                double[] other = ratios[v].clone();
                java.util.Arrays.sort(other);
                System.out.printf("  same rounds, lookup in parts of %d keys: P3 %.2f (rounds %.2f-%.2f), best %,.0f records/s%n",
                        partSizes[v], other[ROUNDS / 2], other[0], other[ROUNDS - 1], warm[v]);
            }
            System.out.printf("cost per record, calling thread: warm path %s; raw MGET %s%n", cost[0].perRecord(), rawCost.perRecord());
            for (int v = 1; v < variants.length; v++) {
                System.out.printf("  lookup in parts of %d keys: %s%n", partSizes[v], cost[v].perRecord());
            }
            System.out.printf("P4 warm / cold            %10.0fx  (goal >= 100x)%n", warm[0] / cold);
            System.out.printf("model batch 1             %,10.1f texts/s%n", modelRates[0]);
            System.out.printf("model batch 32            %,10.1f texts/s%n", modelRates[1]);
            System.out.printf("model batch 256           %,10.1f texts/s%n", modelRates[2]);
            System.out.printf("langchain4j embedAll      %,10.1f texts/s%n", lc4j);
            System.out.printf("load average at the end   %s%n", loadAverage());
        } finally {
            rawClient.shutdown();
        }
    }

    /** One warm-path pass over {@link #WARM_RECORDS}; its costs are added to {@code cost} unless it is null (warm-up). */
    private static double warmPath(Enricher enricher, List<AdmittedRequest> warmSet, Cost cost) {
        Cost.Sample sample = Cost.sample();
        long t0 = System.nanoTime();
        for (int n = 0; n < WARM_RECORDS; n += POLL) {
            int from = n % DISTINCT;
            enricher.enrich(warmSet.subList(from, from + POLL));
        }
        double rate = WARM_RECORDS / seconds(t0);
        sample.addTo(cost, WARM_RECORDS);
        return rate;
    }

    /** One raw MGET pass over the keys on {@code c}, a connection held for the whole run (as the stage holds its own). */
    private static double rawMget(StatefulRedisConnection<String, byte[]> c, List<String> keys, Cost cost) {
        Cost.Sample sample = Cost.sample();
        long t0 = System.nanoTime();
        long got = 0;
        for (int n = 0; n < WARM_RECORDS; n += POLL) {
            int from = n % DISTINCT;
            got += c.sync().mget(keys.subList(from, from + POLL).toArray(String[]::new)).size();
        }
        double rate = got / seconds(t0);
        sample.addTo(cost, got);
        return rate;
    }

    /**
     * A side's cost per record, which the other processes on the host move less than the rates: the calling thread's CPU
     * time and allocation, and the CPU time of lettuce's I/O threads (encoding MGETs, reading the replies; while one
     * side runs, only that side's client works).
     */
    private static final class Cost {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        private long cpuNanos;
        private long bytes;
        private long records;
        private long ioCpuNanos;

        /** The counters now, on the calling thread. */
        static Sample sample() {
            return new Sample(THREADS.getCurrentThreadCpuTime(), THREADS.getCurrentThreadAllocatedBytes(), ioThreadsCpu());
        }

        String perRecord() {
            return String.format("%.2f us CPU, %,d B allocated (lettuce I/O threads: %.2f us CPU)",
                    cpuNanos / 1e3 / records, bytes / records, ioCpuNanos / 1e3 / records);
        }

        private static long ioThreadsCpu() {
            long sum = 0;
            for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
                if (t != null && t.getThreadName().startsWith("lettuce-")) {
                    sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
                }
            }
            return sum;
        }

        record Sample(long cpuNanos, long bytes, long ioCpuNanos) {
            /** Adds what {@code n} records cost since this sample to {@code cost}; nothing when it is null (warm-up). */
            void addTo(Cost cost, long n) {
                if (cost == null) {
                    return;
                }
                cost.cpuNanos += THREADS.getCurrentThreadCpuTime() - cpuNanos;
                cost.bytes += THREADS.getCurrentThreadAllocatedBytes() - bytes;
                cost.ioCpuNanos += ioThreadsCpu() - ioCpuNanos;
                cost.records += n;
            }
        }
    }

    private static double modelRate(int batch, List<String> texts) {
        List<String> sample = texts.subList(0, 256);
        try (MiniLmEmbedder m = new MiniLmEmbedder(SharedModel.stateDir(), batch, 2)) {
            m.embedAll(sample.subList(0, 32)); // warm-up
            long t0 = System.nanoTime();
            m.embedAll(sample);
            return sample.size() / seconds(t0);
        }
    }

    private static double langchain4jRate(List<String> texts) {
        List<TextSegment> sample = texts.subList(0, 256).stream().map(TextSegment::from).toList();
        AllMiniLmL6V2QuantizedEmbeddingModel m = new AllMiniLmL6V2QuantizedEmbeddingModel();
        m.embedAll(sample.subList(0, 32));
        long t0 = System.nanoTime();
        m.embedAll(sample);
        return sample.size() / seconds(t0);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Prompt-like texts of 15-60 words from a fixed vocabulary (deterministic). */
    static List<String> texts(int n, long seed) {
        String[] words = ("how do i configure a kafka consumer for exactly once processing with transactions when the broker "
                + "restarts and redis cache misses increase latency of embedding models under load budget limits per user "
                + "window token quota tier request answer summarise translate explain code python java error stack").split(" ");
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder("#").append(i);
            for (int w = 15 + r.nextInt(45); w > 0; w--) {
                sb.append(' ').append(words[r.nextInt(words.length)]);
            }
            out.add(sb.toString());
        }
        return out;
    }
}
