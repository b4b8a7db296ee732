package dev.sluice.generation.semantic;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

import dev.sluice.generation.Requests;
import dev.sluice.generation.engine.CacheKey;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.generation.store.InMemoryGenerationStore;
import dev.sluice.generation.store.RedisGenerationStore;
import dev.sluice.schema.LlmRequest;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Lookup cost per request of the semantic cache at 10k and 1M entries in one scope (p50/p99), as a ratio to the exact
 * cache's lookup measured in the same run: in process (key hash + map) and through Redis (one MGET round trip, what
 * production pays). A semantic lookup = guard features of the prompt + exact scan of the scope + guard on at most 4
 * candidates; vectors are random 384-d unit vectors, each query a perturbed copy of a stored one (so a candidate is
 * found and guarded). Run: {@code ./mvnw -Pbench -o -pl generation -am verify -Dit.test=SemanticCacheBenchmark}.
 */
@ExtendWith(SluiceInfra.class)
class SemanticCacheBenchmark {
    static final int DIMS = 384;
    static final String PROMPT = "How do I reset the password of my account if I no longer have access to my email?";

    @Test
    void shouldPrintSemanticLookupCostAsARatioToTheExactCache(RedisServer redis) throws Exception {
        LlmRequest request = Requests.enriched("r1", "u1", "gpt-4o-mini", PROMPT).getAdmitted().getRequest();
        InMemoryGenerationStore memory = new InMemoryGenerationStore();
        String requestKey = GenerationStore.requestKey("u1", "r1");
        long[] exactMemory = time(20_000, () -> memory.lookup(requestKey, CacheKey.of(CompletionRequest.of(request))).join());
        long[] exactRedis;
        try (RedisGenerationStore store = new RedisGenerationStore(redis.uri(), Duration.ofSeconds(2))) {
            exactRedis = time(5_000, () -> store.lookup(requestKey, CacheKey.of(CompletionRequest.of(request))).join());
        }
        System.out.printf("%nexact cache, in process: p50 %s  p99 %s%n", us(exactMemory[0]), us(exactMemory[1]));
        System.out.printf("exact cache, Redis MGET : p50 %s  p99 %s%n", us(exactRedis[0]), us(exactRedis[1]));
        for (int entries : new int[] {10_000, 1_000_000}) {
            long[] semantic = semanticLookup(entries, entries >= 1_000_000 ? 60 : 2_000);
            System.out.printf("semantic, %,9d entries: p50 %s  p99 %s  = %.1fx / %.1fx the in-process exact lookup, %.2fx / %.2fx the Redis one (p50 / p99)%n",
                    entries, us(semantic[0]), us(semantic[1]), (double) semantic[0] / exactMemory[0],
                    (double) semantic[1] / exactMemory[1], (double) semantic[0] / exactRedis[0], (double) semantic[1] / exactRedis[1]);
        }
    }

    private static long[] semanticLookup(int entries, int lookups) {
        Random random = new Random(42);
        SemanticCache cache = new SemanticCache(SemanticSettings.enabledDefaults().withMaxEntriesPerScope(entries));
        TextGuard.Features stored = TextGuard.of("How can I reset my account password when I can no longer access my email?");
        float[][] probes = new float[lookups][];
        for (int i = 0; i < entries; i++) {
            float[] v = unit(random);
            cache.put(new SemanticCache.Query("scope", v, stored), "answer-" + i, Long.MAX_VALUE);
            if (i < lookups) {
                probes[i] = perturbed(v, random);
            }
        }
        int[] next = {0};
        return time(lookups, () -> cache.find(new SemanticCache.Query("scope", probes[next[0]++ % lookups], TextGuard.of(PROMPT)), 0));
    }

    private static long[] time(int n, Supplier<Object> lookup) {
        for (int i = 0; i < Math.min(n, 500); i++) {
            lookup.get(); // warm-up
        }
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            lookup.get();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return new long[] {nanos[n / 2], nanos[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]};
    }

    private static float[] unit(Random random) {
        float[] v = new float[DIMS];
        double norm = 0;
        for (int i = 0; i < DIMS; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < DIMS; i++) {
            v[i] *= inv;
        }
        return v;
    }

    private static float[] perturbed(float[] v, Random random) {
        float[] noise = unit(random);
        float[] out = new float[DIMS];
        double norm = 0;
        for (int i = 0; i < DIMS; i++) {
            out[i] = v[i] + 0.2f * noise[i];
            norm += out[i] * out[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < DIMS; i++) {
            out[i] *= inv;
        }
        return out;
    }

    private static String us(long nanos) {
        return String.format("%8.1f µs", nanos / 1000.0);
    }
}
