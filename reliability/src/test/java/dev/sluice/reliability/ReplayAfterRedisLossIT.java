package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A replayed, already-completed request is not paid again when Redis lost its data: generation's ledger
 * ({@code llm.generation.ledger}, written in the same transaction as each result) decides, not the Redis markers.
 * Redis is killed and restarted empty, then the same enriched records are sent again (what {@code sluice dlq replay
 * --again} or any re-delivery does): provider calls stay equal to requests, one result and one cost each.
 * (Was a known bug: with only the Redis markers every re-sent request was called and billed again.)
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class ReplayAfterRedisLossIT {
    private static final int N = 20;

    @Test
    void shouldNotBillAReplayedCompletedRequestAgainWhenRedisLostItsData(KafkaBroker kafka, SchemaRegistryServer registry,
                                                                        RedisServer redis) throws Exception {
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("replay-redis-loss", kafka, registry, redis, mock, Map.of());
             Workload workload = new Workload(p);
             KafkaProducer<String, EnrichedRequest> producer = Enriched.producer(p)) {
            StageProcess generation = p.stage("generation", 1);
            generation.start();
            generation.awaitReady(Duration.ofSeconds(180));
            List<EnrichedRequest> requests = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                requests.add(Enriched.of(workload.request("bug-" + i, i)));
            }
            Set<String> ids = requests.stream().map(Enriched::id).collect(Collectors.toSet());
            Checker checker = new Checker(p, mock);

            Enriched.send(producer, p, requests);
            await().atMost(Duration.ofMinutes(2)).until(() -> checker.snapshot().withResult(ids) == N);
            Enriched.send(producer, p, requests); // a replay with Redis intact
            awaitDecided(p, kafka, 2L * N);
            assertThat(checker.snapshot().duplicateResults(ids)).as("control: replay with Redis intact").isZero();

            redis.stop();
            redis.start(); // back on the same port, without its data
            Enriched.send(producer, p, requests); // the same replay again
            awaitDecided(p, kafka, 3L * N);

            Checker.Snapshot s = checker.snapshot();
            assertThat(s.calls(ids)).as("provider calls = requests").isEqualTo(N);
            assertThat(s.duplicateCosts(ids)).as("cost events billed a second time").isZero();
            assertThat(s.duplicateResults(ids)).as("second results").isZero();
        }
    }

    /** Waits until generation committed offsets past {@code records} enriched records: every copy was decided. */
    private static void awaitDecided(Pipeline p, KafkaBroker kafka, long records) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
                return admin.listConsumerGroupOffsets(p.prefix + "generation").partitionsToOffsetAndMetadata().get()
                        .entrySet().stream().filter(e -> e.getKey().topic().equals(p.catalog.enriched().name()) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset()).sum() >= records;
            }
        });
    }
}
