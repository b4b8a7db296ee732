package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.sluice.testkit.MutableClock;
import dev.sluice.enrichment.cache.InMemoryEmbeddingCache;
import dev.sluice.enrichment.embed.CountingEmbedder;
import dev.sluice.enrichment.embed.FakeEmbedder;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.Role;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class EnricherTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryEmbeddingCache redis = new InMemoryEmbeddingCache(clock);
    private final ResilientCache cache = new ResilientCache(redis, Duration.ofDays(7), Duration.ofSeconds(5), 100, clock);
    private final CountingEmbedder model = new CountingEmbedder(new FakeEmbedder());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final EnrichmentMetrics metrics = new EnrichmentMetrics(meters);
    private final Enricher enricher = new Enricher(model, cache, metrics, 1000, clock);

    {
        metrics.bind(cache);
    }

    private static List<AdmittedRequest> requests(String... texts) {
        return java.util.Arrays.stream(texts).map(t -> TestRequests.admitted("u1", t)).toList();
    }

    private static List<EmbeddingSource> sources(List<EnrichedRequest> out) {
        return out.stream().map(EnrichedRequest::getEmbeddingSource).toList();
    }

    @Test
    void shouldComputeStoreAndThenHitWhenTheSameTextsComeAgain() {
        List<EnrichedRequest> cold = enricher.enrich(requests("alpha", "beta"));
        assertThat(sources(cold)).containsOnly(EmbeddingSource.COMPUTED);
        assertThat(cache.shared().ttlMillis(CacheKeys.of("fake-8", "alpha"))).isEqualTo(Duration.ofDays(7).toMillis());
        model.reset();

        List<EnrichedRequest> warm = enricher.enrich(requests("alpha", "beta"));

        assertThat(sources(warm)).containsOnly(EmbeddingSource.CACHE_HIT);
        assertThat(model.calls()).isZero();
        assertThat(warm.get(0).getEmbedding()).isEqualTo(cold.get(0).getEmbedding());
        assertThat(metrics.hitRate()).isEqualTo(0.5);
    }

    @Test
    void shouldComputeIdenticalTextsOnceWithOneLookupWhenTheyShareABatch() {
        int before = redis.roundTrips();
        List<EnrichedRequest> out = enricher.enrich(requests("same", "Same ", "  SAME", "other"));
        assertThat(model.calls()).isEqualTo(1);
        assertThat(model.texts()).as("three spellings normalise to one text").isEqualTo(2);
        assertThat(redis.roundTrips() - before).as("one lookup and one write-back").isEqualTo(2);
        assertThat(out).hasSize(4);
        assertThat(out.get(0).getEmbedding()).isEqualTo(out.get(2).getEmbedding());
    }

    @Test
    void shouldSkipWithAnEmptyVectorAndNoModelCallWhenThereIsNoUserText() {
        AdmittedRequest noUser = TestRequests.admitted("u1", List.of(new ChatMessage(Role.SYSTEM, "sys only")));
        List<EnrichedRequest> out = enricher.enrich(List.of(noUser, TestRequests.admitted("u1", "  \n ")));
        assertThat(sources(out)).containsOnly(EmbeddingSource.SKIPPED);
        assertThat(out.get(0).getEmbedding()).isEmpty();
        assertThat(model.calls()).isZero();
    }

    @Test
    void shouldComputeDirectlyThenUseTheLocalCacheWhileRedisIsDown() {
        redis.setDown(true);
        assertThat(sources(enricher.enrich(requests("gamma")))).containsOnly(EmbeddingSource.DEGRADED_COMPUTED);
        assertThat(sources(enricher.enrich(requests("gamma")))).containsOnly(EmbeddingSource.DEGRADED_LOCAL_CACHE);
        assertThat(model.texts()).isEqualTo(1);
        assertThat(meters.get("sluice.enrichment.degraded").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void shouldRefillRedisFromTheLocalCacheWhenRedisComesBackEmpty() {
        redis.setDown(true);
        enricher.enrich(requests("delta"));
        redis.setDown(false);
        clock.advance(Duration.ofSeconds(6)); // past the breaker's open period, if it opened

        assertThat(sources(enricher.enrich(requests("delta")))).containsOnly(EmbeddingSource.CACHE_HIT);
        assertThat(redis.ttlMillis(CacheKeys.of("fake-8", "delta"))).isPositive();
        assertThat(model.texts()).isEqualTo(1);
        assertThat(cache.degraded()).isFalse();
    }

    @Test
    void shouldEmbedTheTruncatedPrefixWhenTextIsEnormous() {
        String enormous = "word ".repeat(100_000);
        EnrichedRequest out = enricher.enrich(requests(enormous)).get(0);
        assertThat(out.getEmbeddingSource()).isEqualTo(EmbeddingSource.COMPUTED);
        String prefix = EmbeddingText.normalise(enormous, true, 1000).text();
        assertThat(prefix).hasSizeLessThanOrEqualTo(1000);
        assertThat(out.getEmbedding()).containsExactlyElementsOf(new FloatList(FakeEmbedder.vector(prefix)));
    }

    @Test
    void shouldGiveEveryRecordItsOwnTextsVectorInOrderWhenHitsMissesDuplicatesAndSkipsInterleave() {
        enricher.enrich(requests("cached"));
        model.reset();
        AdmittedRequest noUser = TestRequests.admitted("u1", List.of(new ChatMessage(Role.SYSTEM, "sys only")));
        List<AdmittedRequest> batch = List.of(TestRequests.admitted("u1", "new one"), noUser, TestRequests.admitted("u1", "CACHED"),
                TestRequests.admitted("u1", "new  two"), TestRequests.admitted("u1", "New One"), TestRequests.admitted("u1", " "),
                TestRequests.admitted("u1", "cached"), TestRequests.admitted("u1", "new two"));

        List<EnrichedRequest> out = enricher.enrich(batch);

        assertThat(sources(out)).containsExactly(EmbeddingSource.COMPUTED, EmbeddingSource.SKIPPED, EmbeddingSource.CACHE_HIT,
                EmbeddingSource.COMPUTED, EmbeddingSource.COMPUTED, EmbeddingSource.SKIPPED, EmbeddingSource.CACHE_HIT,
                EmbeddingSource.COMPUTED);
        String[] texts = {"new one", null, "cached", "new two", "new one", null, "cached", "new two"};
        for (int i = 0; i < texts.length; i++) {
            List<Float> expected = texts[i] == null ? List.of() : new FloatList(FakeEmbedder.vector(texts[i]));
            assertThat(out.get(i).getEmbedding()).as("record " + i).containsExactlyElementsOf(expected);
            assertThat(out.get(i).getAdmitted()).isSameAs(batch.get(i));
        }
        assertThat(model.texts()).as("two distinct misses, computed once each").isEqualTo(2);
    }

    @Test
    void shouldCountEveryRecordOnceBySourceWhenABatchMixesSources() {
        enricher.enrich(requests("cached"));
        AdmittedRequest noUser = TestRequests.admitted("u1", List.of(new ChatMessage(Role.SYSTEM, "sys only")));
        List<AdmittedRequest> batch = List.of(TestRequests.admitted("u1", "cached"), noUser, TestRequests.admitted("u1", "fresh"),
                TestRequests.admitted("u1", "Fresh"), TestRequests.admitted("u1", "CACHED"), TestRequests.admitted("u1", "cached"));

        enricher.enrich(batch);

        assertThat(metrics.count(EmbeddingSource.CACHE_HIT)).isEqualTo(3.0);
        assertThat(metrics.count(EmbeddingSource.COMPUTED)).as("the first batch's one and this batch's two").isEqualTo(3.0);
        assertThat(metrics.count(EmbeddingSource.SKIPPED)).isEqualTo(1.0);
        assertThat(metrics.count(EmbeddingSource.DEGRADED_COMPUTED)).isZero();
        assertThat(metrics.count(EmbeddingSource.DEGRADED_LOCAL_CACHE)).isZero();
        assertThat(meters.get("sluice.enrichment.cache.hits").counter().count()).isEqualTo(3.0);
        assertThat(meters.get("sluice.enrichment.cache.misses").counter().count()).isEqualTo(3.0);
        assertThat(metrics.hitRate()).isEqualTo(0.5);
    }

    @Test
    void shouldLookUpABatchInPartsAndGiveEveryRecordItsOwnVectorInOrder() {
        Enricher inParts = new Enricher(model, cache, metrics, 1000, clock, 2);
        inParts.enrich(requests("a1", "a2", "a3", "a4", "a5"));
        model.reset();
        int before = redis.roundTrips();

        List<EnrichedRequest> out = inParts.enrich(requests("a5", "A1", "a2", "a3", "a1", "a4", "a5"));

        assertThat(redis.roundTrips() - before).as("five distinct keys in parts of two: three MGETs, no write-back").isEqualTo(3);
        assertThat(sources(out)).containsOnly(EmbeddingSource.CACHE_HIT);
        String[] texts = {"a5", "a1", "a2", "a3", "a1", "a4", "a5"};
        for (int i = 0; i < texts.length; i++) {
            assertThat(out.get(i).getEmbedding()).as("record " + i).containsExactlyElementsOf(new FloatList(FakeEmbedder.vector(texts[i])));
        }
        assertThat(model.calls()).isZero();
    }

    @Test
    void shouldAnswerFromRedisOnlyThePartsItAnsweredWhenItFailsMidLookup() {
        FailingPart failing = new FailingPart(redis);
        ResilientCache flaky = new ResilientCache(failing, Duration.ofDays(7), Duration.ofSeconds(5), 100, clock);
        Enricher inParts = new Enricher(model, flaky, metrics, 1000, clock, 2);
        inParts.enrich(requests("b1", "b2", "b3", "b4", "b5")); // computed, stored in Redis and in the local tier
        model.reset();
        int before = redis.roundTrips();
        failing.failLookup = failing.lookups + 2; // the second part of the next lookup

        List<EnrichedRequest> out = inParts.enrich(requests("b1", "b2", "b3", "b4", "b5"));

        assertThat(sources(out)).as("the first part from Redis; the failed part and the one after it from the local tier")
                .containsExactly(EmbeddingSource.CACHE_HIT, EmbeddingSource.CACHE_HIT, EmbeddingSource.DEGRADED_LOCAL_CACHE,
                        EmbeddingSource.DEGRADED_LOCAL_CACHE, EmbeddingSource.DEGRADED_LOCAL_CACHE);
        for (int i = 0; i < 5; i++) {
            assertThat(out.get(i).getEmbedding()).containsExactlyElementsOf(new FloatList(FakeEmbedder.vector("b" + (i + 1))));
        }
        assertThat(failing.cancelled).as("the part after the failed one is given up").isEqualTo(1);
        assertThat(redis.roundTrips() - before).as("three MGETs sent, nothing written back").isEqualTo(3);
        assertThat(model.calls()).isZero();
        assertThat(flaky.degraded()).isTrue();
    }

    /** Delegates to a backend, except that the lookup numbered {@code failLookup} fails when awaited. */
    private static final class FailingPart implements dev.sluice.enrichment.cache.EmbeddingCache {
        private final dev.sluice.enrichment.cache.EmbeddingCache backend;
        int lookups;
        int failLookup = -1;
        int cancelled;

        FailingPart(dev.sluice.enrichment.cache.EmbeddingCache backend) {
            this.backend = backend;
        }

        @Override
        public List<byte[]> getAll(List<String> keys) {
            return getAllLater(keys).await();
        }

        @Override
        public Pending getAllLater(List<String> keys) {
            List<byte[]> values = backend.getAll(keys);
            boolean fails = ++lookups == failLookup;
            return new Pending() {
                @Override
                public List<byte[]> await() {
                    if (fails) {
                        throw dev.sluice.enrichment.cache.CacheUnavailableException.of("MGET", "test", null);
                    }
                    return values;
                }

                @Override
                public void cancel() {
                    cancelled++;
                }
            };
        }

        @Override
        public void putAll(java.util.Map<String, byte[]> entries, Duration ttl) {
            backend.putAll(entries, ttl);
        }

        @Override
        public void ping() {
            backend.ping();
        }

        @Override
        public long ttlMillis(String key) {
            return backend.ttlMillis(key);
        }

        @Override
        public void close() {
            backend.close();
        }
    }
}
