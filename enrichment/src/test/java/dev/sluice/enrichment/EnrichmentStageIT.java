package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.enrichment.embed.CountingEmbedder;
import dev.sluice.enrichment.embed.MiniLmEmbedder;
import dev.sluice.enrichment.embed.SharedModel;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.DeadLetter;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.Bytes;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class EnrichmentStageIT {
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private StageHarness harness;
    private RedisServer redis;
    private final List<EnrichmentStage> stages = new ArrayList<>();

    @BeforeEach
    void setUp(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis, org.junit.jupiter.api.TestInfo info) {
        this.redis = redis;
        redis.start();
        harness = new StageHarness(info.getTestMethod().orElseThrow().getName().substring(0, 12), kafka, registry, redis);
    }

    @AfterEach
    void tearDown() {
        stages.forEach(EnrichmentStage::close);
        redis.start();
        harness.close();
    }

    private EnrichmentStage start(CountingEmbedder model, SimpleMeterRegistry meters) {
        EnrichmentStage stage = harness.stage(model, meters);
        stages.add(stage);
        stage.start();
        return stage;
    }

    private static String text(int i) {
        return "Question number " + i + ": how do I configure a Kafka consumer for exactly-once processing?";
    }

    private void awaitEnriched(int total) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            harness.drain();
            return harness.enriched.size() >= total;
        });
    }

    private List<EmbeddingSource> sourcesFrom(int from) {
        return harness.enriched.subList(from, harness.enriched.size()).stream().map(EnrichedRequest::getEmbeddingSource).toList();
    }

    @Test
    void shouldComputeAndStoreWhenColdThenHitEverythingWithoutTheModelWhenWarm() {
        CountingEmbedder cold = new CountingEmbedder(SharedModel.get());
        List<AdmittedRequest> first = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            first.add(TestRequests.admitted("user-" + (i % 4), text(i % 20))); // 20 distinct texts, 10 repeated
        }
        first.forEach(harness::produce);
        EnrichmentStage stage = start(cold, new SimpleMeterRegistry());
        awaitEnriched(30);

        assertThat(harness.enriched.stream().map(e -> e.getAdmitted().getRequest().getRequestId()).collect(Collectors.toSet()))
                .isEqualTo(first.stream().map(a -> a.getRequest().getRequestId()).collect(Collectors.toSet()));
        assertThat(sourcesFrom(0)).containsOnly(EmbeddingSource.COMPUTED);
        assertThat(harness.enriched).allSatisfy(e -> {
            assertThat(e.getEmbedding()).hasSize(384);
            assertThat(e.getEmbeddingModel()).isEqualTo(MiniLmEmbedder.MODEL_ID);
        });
        assertThat(cold.texts()).as("each distinct text computed once").isEqualTo(20);
        String key = CacheKeys.of(MiniLmEmbedder.MODEL_ID, EmbeddingText.normalise(text(3), true, 4096).text());
        assertThat(harness.ttlMillis(key)).as("PTTL of a stored vector")
                .isBetween(Duration.ofDays(7).minusMinutes(5).toMillis(), Duration.ofDays(7).toMillis());
        stage.close();

        CountingEmbedder warm = new CountingEmbedder(SharedModel.get());
        for (int i = 0; i < 20; i++) {
            harness.produce(TestRequests.admitted("user-" + i, text(i)));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        EnrichmentStage warmStage = start(warm, meters);
        awaitEnriched(50);

        assertThat(sourcesFrom(30)).hasSize(20).containsOnly(EmbeddingSource.CACHE_HIT);
        assertThat(warm.calls()).as("the warm run never calls the model").isZero();
        assertThat(warmStage.metrics().hitRate()).isEqualTo(1.0);
        assertThat(meters.get("sluice.enrichment.cache.hits").counter().count()).isEqualTo(20.0);
        List<EnrichedRequest> ofText3 = harness.enriched.stream()
                .filter(e -> e.getAdmitted().getRequest().getMessages().get(1).getContent().equals(text(3))).toList();
        assertThat(ofText3).hasSize(3); // twice cold, once warm
        assertThat(ofText3).allSatisfy(e -> assertThat(e.getEmbedding()).isEqualTo(ofText3.get(0).getEmbedding()));
    }

    @Test
    void shouldEnrichAnHourOldBacklogExactlyOnceThenAFreshRecord() {
        // An hour-old backlog is committed every enrichment.commit.interval.ms, several polls a transaction; the fresh
        // record after it is committed with its own poll. Every record exactly once either way.
        List<AdmittedRequest> backlog = new ArrayList<>();
        long hourAgo = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        for (int i = 0; i < 1_500; i++) {
            AdmittedRequest a = TestRequests.admitted("user-" + (i % 7), "backlog " + text(i % 20)); // the other tests' texts stay cold
            backlog.add(a);
            harness.produceAt(a, hourAgo + i);
        }
        start(new CountingEmbedder(SharedModel.get()), new SimpleMeterRegistry());
        awaitEnriched(1_500);
        AdmittedRequest fresh = TestRequests.admitted("user-fresh", "backlog " + text(3));
        harness.produce(fresh);
        awaitEnriched(1_501);

        List<String> ids = harness.enriched.stream().map(e -> e.getAdmitted().getRequest().getRequestId()).toList();
        assertThat(ids).hasSize(1_501).doesNotHaveDuplicates();
        assertThat(ids.subList(0, 1_500)).containsExactlyInAnyOrderElementsOf(
                backlog.stream().map(a -> a.getRequest().getRequestId()).toList());
        assertThat(ids.get(1_500)).isEqualTo(fresh.getRequest().getRequestId());
    }

    @Test
    void shouldEnrichABacklogExactlyOnceWhenASecondInstanceJoinsWhileTheFirstHoldsPollsForItsCommit() {
        // The first instance commits this backlog only every 5 minutes (hour-old records are not fresh, and polls of
        // 2,000 never fill a partition's 4,000), so when the second joins it holds every record it enriched: it must
        // publish them with their offsets before it hands partitions over, or the second would enrich them again.
        List<AdmittedRequest> backlog = new ArrayList<>();
        long hourAgo = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        for (int i = 0; i < 6_000; i++) {
            AdmittedRequest a = TestRequests.admitted("user-" + (i % 50), "hand-over " + text(i % 20));
            backlog.add(a);
            harness.produceAt(a, hourAgo + i);
        }
        SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
        EnrichmentStage first = harness.stage(new CountingEmbedder(SharedModel.get()), firstMeters, Map.of(
                EnrichmentConfig.COMMIT_INTERVAL_MS, "300000", EnrichmentConfig.POLL_MAX_RECORDS, "2000",
                EnrichmentConfig.TRANSACTIONAL_ID, harness.catalog.prefix() + "first"));
        stages.add(first);
        first.start();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> enrichedBy(firstMeters) >= 1_000);
        harness.drain();
        assertThat(harness.enriched).as("nothing committed before the second instance joins").isEmpty();

        EnrichmentStage second = harness.stage(new CountingEmbedder(SharedModel.get()), new SimpleMeterRegistry(),
                Map.of(EnrichmentConfig.TRANSACTIONAL_ID, harness.catalog.prefix() + "second"));
        stages.add(second);
        second.start();
        // the first instance's hand-over commit (the second commits only partitions it was given after it)
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            harness.drain();
            return !harness.enriched.isEmpty();
        });
        first.close(); // what it kept goes to the second too (its 5-minute interval would hold the rest)
        awaitEnriched(6_000);

        List<String> ids = harness.enriched.stream().map(e -> e.getAdmitted().getRequest().getRequestId()).toList();
        assertThat(ids).hasSize(6_000).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(backlog.stream().map(a -> a.getRequest().getRequestId()).toList());
    }

    /** Records an instance enriched, committed or not. */
    private static double enrichedBy(SimpleMeterRegistry meters) {
        return meters.find("sluice.enrichment.records").counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void shouldDeadLetterUndecodableRecordsAndEmbedOddTextsByRuleWithoutStopping() {
        CountingEmbedder model = new CountingEmbedder(SharedModel.get());
        EnrichmentStage stage = start(model, new SimpleMeterRegistry());

        byte[] badMagic = {7, 0, 0, 0, 1, 2, 3};
        byte[] good = harness.bytesOf(TestRequests.admitted("u-trunc", "will be truncated"));
        byte[] truncated = Arrays.copyOf(good, good.length - 6);
        AdmittedRequest surrogate = TestRequests.admitted("u-sur", "before XYZ after");
        byte[] surrogateBytes = harness.bytesOf(surrogate);
        int at = Bytes.indexOf(surrogateBytes, "XYZ".getBytes(StandardCharsets.UTF_8));
        surrogateBytes[at] = (byte) 0xED; // UTF-8 encoding of the lone surrogate U+D800: not valid UTF-8
        surrogateBytes[at + 1] = (byte) 0xA0;
        surrogateBytes[at + 2] = (byte) 0x80;

        harness.produceRaw("u-bad", badMagic);
        harness.produceRaw("u-trunc", truncated);
        harness.produce(TestRequests.admitted("u-empty", "   "));
        harness.produce(TestRequests.admitted("u-huge", "enormous prompt text ".repeat(20_000)));
        harness.produceRaw("u-sur", surrogateBytes);
        harness.produce(TestRequests.admitted("u-good", "a perfectly ordinary question"));

        awaitEnriched(4);
        await().atMost(PATIENCE).until(() -> {
            harness.drain();
            return harness.deadLetters.size() >= 2;
        });
        var byUser = harness.enriched.stream().collect(Collectors.toMap(e -> e.getAdmitted().getRequest().getUserId(), e -> e));
        assertThat(byUser.get("u-empty").getEmbeddingSource()).isEqualTo(EmbeddingSource.SKIPPED);
        assertThat(byUser.get("u-empty").getEmbedding()).isEmpty();
        assertThat(byUser.get("u-huge").getEmbeddingSource()).isEqualTo(EmbeddingSource.COMPUTED);
        assertThat(byUser.get("u-huge").getEmbedding()).hasSize(384);
        assertThat(byUser.get("u-sur").getEmbeddingSource()).isEqualTo(EmbeddingSource.COMPUTED);
        assertThat(byUser.get("u-sur").getAdmitted().getRequest().getMessages().get(1).getContent()).contains("\uFFFD");
        assertThat(byUser.get("u-good").getEmbeddingSource()).isEqualTo(EmbeddingSource.COMPUTED);

        List<DeadLetter> letters = harness.deadLetters.stream().map(DeadLetterHeaders::describe).toList();
        assertThat(letters).allSatisfy(d -> {
            assertThat(d.getStage()).isEqualTo("enrichment");
            assertThat(d.getErrorClass()).isEqualTo("UNDECODABLE");
            assertThat(d.getOriginalTopic()).isEqualTo(harness.catalog.admitted().name());
        });
        assertThat(letters.stream().map(DeadLetter::getMessage)).anyMatch(m -> m.startsWith("BAD_MAGIC_BYTE"))
                .anyMatch(m -> m.startsWith("TRUNCATED"));
        assertThat(harness.deadLetters.stream().map(r -> Arrays.toString(r.value())).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(Arrays.toString(badMagic), Arrays.toString(truncated));
        assertThat(stage.health().live()).isTrue();
        assertThat(stage.health().ready()).isTrue();
    }

    @Test
    void shouldEnrichEveryRecordWhileRedisIsDownAndReturnToRedisWhenItComesBack() throws Exception {
        CountingEmbedder model = new CountingEmbedder(SharedModel.get());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        EnrichmentStage stage = start(model, meters);
        List<String> produced = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            AdmittedRequest a = TestRequests.admitted("user-" + i, text(100 + i));
            produced.add(a.getRequest().getRequestId());
            harness.produce(a);
        }
        awaitEnriched(10);
        assertThat(sourcesFrom(0)).containsOnly(EmbeddingSource.COMPUTED);

        redis.stop();
        java.util.concurrent.atomic.AtomicBoolean streaming = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            for (int i = 0; streaming.get(); i++) {
                AdmittedRequest a = TestRequests.admitted("user-" + i % 7, text(100 + i % 20));
                synchronized (produced) {
                    produced.add(a.getRequest().getRequestId());
                }
                harness.produce(a);
                try {
                    Thread.sleep(20); // a steady stream, not a wait for a result
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-stream");
        producer.start();
        try {
            await().atMost(PATIENCE).until(() -> {
                harness.drain();
                return stage.health().degraded() && sourcesFrom(10).contains(EmbeddingSource.DEGRADED_LOCAL_CACHE)
                        && sourcesFrom(10).contains(EmbeddingSource.DEGRADED_COMPUTED);
            });
            assertThat(stage.health().details()).containsEntry("redis", "DOWN");
            assertThat(meters.get("sluice.enrichment.degraded").gauge().value()).isEqualTo(1.0);
            int beforeRestart = harness.enriched.size();

            redis.start();
            await().atMost(PATIENCE).until(() -> {
                harness.drain();
                return !stage.health().degraded() && sourcesFrom(beforeRestart).contains(EmbeddingSource.CACHE_HIT);
            });
        } finally {
            streaming.set(false);
            producer.join();
        }
        int total;
        synchronized (produced) {
            total = produced.size();
        }
        awaitEnriched(total);
        Set<String> out = harness.enriched.stream().map(e -> e.getAdmitted().getRequest().getRequestId()).collect(Collectors.toSet());
        assertThat(harness.enriched).as("exactly one enriched record per admitted request").hasSize(total);
        assertThat(out).containsExactlyInAnyOrderElementsOf(produced);
        assertThat(meters.get("sluice.enrichment.degraded.time").functionCounter().count()).isPositive();

        // Back on Redis without a restart: texts seen before are now read from Redis, the model is not called.
        int calls = model.calls();
        int from = harness.enriched.size();
        for (int i = 0; i < 20; i++) {
            harness.produce(TestRequests.admitted("again-" + i, text(100 + i)));
        }
        awaitEnriched(from + 20);
        for (int i = 0; i < 20; i++) {
            harness.produce(TestRequests.admitted("again-" + i, text(100 + i)));
        }
        awaitEnriched(from + 40);
        assertThat(sourcesFrom(from + 20)).containsOnly(EmbeddingSource.CACHE_HIT);
        assertThat(model.calls()).isEqualTo(calls);
        assertThat(harness.ttlMillis(CacheKeys.of(MiniLmEmbedder.MODEL_ID, EmbeddingText.normalise(text(105), true, 4096).text())))
                .isPositive();
        assertThat(stage.health().details()).containsEntry("breaker.redis", "CLOSED");
    }

    @Test
    void shouldReportRecoveryWhenRedisReturnsWhileNoRecordArrives() {
        EnrichmentStage stage = start(new CountingEmbedder(SharedModel.get()), new SimpleMeterRegistry());
        redis.stop();
        int sent = 0;
        while (!stage.health().degraded()) { // a record at a time until a failed Redis call has made the stage degraded
            harness.produce(TestRequests.admitted("quiet-" + sent, text(sent)));
            sent++;
            awaitEnriched(sent);
        }
        assertThat(stage.health().details()).containsEntry("redis", "DOWN");

        redis.start();
        // No record follows: only the stage's own probe can find out that Redis is back.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> !stage.health().degraded());
        assertThat(stage.health().details()).containsEntry("redis", "UP").containsEntry("breaker.redis", "CLOSED");
        harness.drain();
        assertThat(harness.enriched).as("nothing was sent after Redis returned").hasSize(sent);
    }

    @Test
    void shouldRunOnItsLocalCacheWithoutProbingWhenNoRedisIsConfigured() {
        long probesBefore = probeThreads();
        EnrichmentStage stage = harness.stageWithoutRedis(new CountingEmbedder(SharedModel.get()), new SimpleMeterRegistry());
        stages.add(stage);
        stage.start();
        assertThat(probeThreads()).as("no Redis to find: no probe thread").isEqualTo(probesBefore);
        harness.produce(TestRequests.admitted("no-redis", text(1)));
        awaitEnriched(1);
        assertThat(sourcesFrom(0)).containsOnly(EmbeddingSource.DEGRADED_COMPUTED);
        assertThat(stage.health().degraded()).isTrue();
    }

    private static long probeThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("sluice-redis-probe")).count();
    }
}
