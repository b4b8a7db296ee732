package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Enrichment drains a backlog several polls to a transaction ({@code enrichment.commit.interval.ms}), holding each
 * poll's enriched records until the commit sends them with the polls' offsets. Two kills -9 during such a drain must
 * lose nothing and publish nothing twice: the first while polls wait for a commit (the interval is set long, so the
 * stage commits only once its partitions are full at 1,000 records each and it has nothing else to read; the
 * reliability suite's kills run at live rates, where every poll is fresh and committed at once), the second right
 * after the restarted stage's first commit, in the middle of a drain at the default interval. Each restart keeps the
 * transactional id, as a restart on the same host.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class EnrichmentBacklogKillIT {
    private static final int BACKLOG = 20_000;
    /** Records enriched when the first kill is sent: several 500-record polls. */
    private static final int OPEN_AT_KILL = 1_500;

    @Test
    void shouldEnrichABacklogExactlyOnceWhenKilledWithSeveralPollsAwaitingOneCommit(KafkaBroker kafka, SchemaRegistryServer registry,
                                                                                      RedisServer redis) throws Exception {
        redis.start();
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("enrich-backlog-kill", kafka, registry, redis, mock, Map.of());
             Workload workload = new Workload(p)) {
            // An hour-old backlog: not fresh, so committed only every interval (two minutes here, ten times that
            // is still under the records' age, and far longer than the test waits before the kill).
            long hourAgo = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
            List<String> ids = Enriched.sendAdmitted(p, workload, BACKLOG, i -> hourAgo + i);

            StageProcess first = p.stage("enrichment", 1, Map.of("enrichment.commit.interval.ms", "120000"));
            first.start();
            double[] seen = new double[1];
            await("several polls enriched").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                    .until(() -> (seen[0] = enrichedBy(first)) >= OPEN_AT_KILL);
            first.kill();
            System.out.printf("first kill: %,.0f records enriched when last seen, %,d committed%n", seen[0], Enriched.committedRequestIds(p).size());

            // Restarted with the same transactional id (the default is per host) and the default commit interval,
            // then killed again as soon as its first transaction is committed: in the middle of the drain.
            Map<String, String> sameId = Map.of("enrichment.transactional.id", first.setting("enrichment.transactional.id"));
            StageProcess second = p.stage("enrichment", 2, sameId);
            second.start();
            // Committed records, not the last stable offset: the restart's initTransactions may abort a transaction the
            // first kill left open, and its abort markers alone move that offset past 0.
            await("a first commit of the restarted stage").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !Enriched.committedRequestIds(p).isEmpty());
            second.kill();
            int committedAtSecondKill = Enriched.committedRequestIds(p).size();
            System.out.printf("second kill: %,d of %,d committed%n", committedAtSecondKill, BACKLOG);

            StageProcess third = p.stage("enrichment", 3, sameId);
            third.start();
            await("the whole backlog enriched and committed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Enriched.committedRequestIds(p).size() >= BACKLOG);
            third.stop();

            List<String> committed = Enriched.committedRequestIds(p);
            assertThat(committed).as("every admitted request enriched exactly once").hasSize(BACKLOG).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    /** Records the process enriched (its {@code sluice.enrichment.records} counters), committed or not. */
    private static double enrichedBy(StageProcess stage) {
        Double records = stage.meter("sluice_enrichment_records_total");
        return records == null ? 0 : records;
    }
}
