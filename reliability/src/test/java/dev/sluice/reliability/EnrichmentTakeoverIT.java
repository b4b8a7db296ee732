package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.loop.LoopClients;
import dev.sluice.launcher.RunCommand;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.OpenTransactions;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An enrichment instance dies inside its transaction (frozen with SIGSTOP while the broker reports its transaction
 * open, then SIGKILL), and the instance that takes over has another transactional id, as a rescheduled pod with a new
 * host name has by default. Nothing fences the dead instance's open transaction then: only the broker's transaction
 * timeout ends it, and until it does read_committed readers stop at its first record and, if it already held the dead
 * instance's offsets, the new owner cannot read the group's offsets for those partitions (a read_committed consumer
 * asks for stable offsets). The loops'
 * producers carry {@link LoopClients#DEFAULT_TRANSACTION_TIMEOUT_MS} (10 s, as Kafka Streams' do) instead of the
 * client's 60 s. Every admitted request must still be enriched exactly once, and the dead instance's records never
 * become visible.
 */
@Tag("integration")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class EnrichmentTakeoverIT {
    private static final int BACKLOG = 20_000;
    /** Freezes of the first instance to catch it inside an open transaction (each a few ms; the first usually does). */
    private static final int ATTEMPTS = 50;
    /** Records the first instance has committed before the freezes: it dies in the middle of the drain. */
    private static final int COMMITTED_BEFORE_FREEZE = 2_000;
    /** Admitted requests sent as the stalled instance wakes up. */
    private static final int AFTER_THAW = 2_000;
    /** The loop's count of transactions refused without fencing (it aborts them and goes on); fenced, it stops and exits. */
    private static final String ABORTED = "sluice_enrichment_transactions_aborted_total";

    @Test
    void shouldEnrichExactlyOnceWhenAnInstanceDiesInsideItsTransactionAndAnotherTransactionalIdTakesOver(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        redis.start();
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("enrich-takeover", kafka, registry, redis, mock, Map.of());
             Workload workload = new Workload(p);
             Admin admin = kafka.admin()) {
            long now = System.currentTimeMillis();
            List<String> ids = Enriched.sendAdmitted(p, workload, BACKLOG, i -> now);

            StageProcess dying = startCommittingEveryPoll(p);
            String dyingId = dying.setting("enrichment.transactional.id");
            Frozen frozen = freezeInsideOpenTransaction(admin, dying, dyingId);
            TransactionDescription open = frozen.transaction();
            assertThat(open.transactionTimeoutMs()).as("the open transaction's timeout: what bounds its hold on the partitions")
                    .isEqualTo(LoopClients.DEFAULT_TRANSACTION_TIMEOUT_MS);
            dying.kill();
            long killedAt = System.nanoTime();
            int committedAtKill = Enriched.committedRequestIds(p).size();
            System.out.printf("killed inside a transaction (after %d freeze(s)) on %d partition(s); %,d of %,d enriched and committed%n",
                    frozen.freezes(), open.topicPartitions().size(), committedAtKill, BACKLOG);

            // Another transactional id: nothing fences the dead one's transaction; the broker's timeout aborts it.
            StageProcess successor = p.stage("enrichment", 2);
            successor.start();
            await("the dead instance's transaction aborted by the broker").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> OpenTransactions.describe(admin, dyingId).state() != TransactionState.ONGOING);
            double abortedAfter = (System.nanoTime() - killedAt) / 1e9;
            await("the whole backlog enriched and committed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Enriched.committedRequestIds(p).size() >= BACKLOG);
            double drainedAfter = (System.nanoTime() - killedAt) / 1e9;
            successor.stop();
            System.out.printf("the dead instance's transaction ended %.1f s after the kill (%s); the backlog was drained %.1f s after it%n",
                    abortedAfter, OpenTransactions.describe(admin, dyingId).state(), drainedAfter);

            assertThat(OpenTransactions.describe(admin, dyingId).state()).as("the dead instance's transaction was aborted, never committed")
                    .isEqualTo(TransactionState.COMPLETE_ABORT);
            List<String> committed = Enriched.committedRequestIds(p);
            assertThat(committed).as("every admitted request enriched exactly once").hasSize(BACKLOG).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    /**
     * The other side of the 10 s timeout: an instance frozen inside its transaction for longer than that (a stalled VM,
     * not a dead one) wakes up after the broker has aborted its transaction and another instance has taken its partitions
     * and redone its work. Nothing of its aborted transaction may become visible, and it must not publish what it had in
     * hand. The broker refuses its commit in one of two ways, both seen: as fencing ({@code InvalidProducerEpochException}:
     * the loop stops and {@code sluice run} exits {@link RunCommand#EXIT_NOT_LIVE} for its supervisor to restart it), or as
     * an invalid transaction state (the loop aborts, replaces its producer, finds its partitions lost and goes on as a new
     * member of the group, live and, with nothing of the refused commit left to retry, ready). Either way every request is enriched exactly once, the requests sent as it wakes too.
     */
    @Test
    void shouldPublishNothingFromAnInstanceWokenAfterTheBrokerAbortedItsTransaction(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        redis.start();
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("enrich-woken", kafka, registry, redis, mock, Map.of());
             Workload workload = new Workload(p);
             Admin admin = kafka.admin()) {
            long now = System.currentTimeMillis();
            List<String> ids = new ArrayList<>(Enriched.sendAdmitted(p, workload, BACKLOG, i -> now));

            StageProcess stalled = startCommittingEveryPoll(p);
            String stalledId = stalled.setting("enrichment.transactional.id");
            Frozen frozen = freezeInsideOpenTransaction(admin, stalled, stalledId);
            long frozenAt = System.nanoTime();

            StageProcess successor = p.stage("enrichment", 2);
            successor.start();
            await("the stalled instance's transaction aborted by the broker").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> OpenTransactions.describe(admin, stalledId).state() != TransactionState.ONGOING);
            await("the whole backlog enriched and committed by the successor").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Enriched.committedRequestIds(p).size() >= BACKLOG);
            double thawedAfter = (System.nanoTime() - frozenAt) / 1e9;

            stalled.signal("CONT");
            // New work arrives as it wakes: if it published what it held, or competed wrongly, some would appear twice.
            ids.addAll(Enriched.sendAdmitted(p, workload, AFTER_THAW, i -> System.currentTimeMillis()));
            await("the woken instance's commit refused: it exited (fenced) or counts an aborted transaction")
                    .atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !stalled.alive() || Optional.ofNullable(stalled.meter(ABORTED)).orElse(0.0) > 0);
            await("the requests sent after the thaw enriched and committed").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Enriched.committedRequestIds(p).size() >= BACKLOG + AFTER_THAW);
            // Not fenced, it lost its partitions with its refused commit and nothing of that failure is left to retry: it
            // becomes ready. Fenced (also when a refused commit's abort then finds the producer fenced), it stops and exits.
            await("the woken instance ready again, or gone for its supervisor to restart").atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> !stalled.alive() || String.valueOf(stalled.health()).contains("\"ready\":true"));
            String health = stalled.health();
            boolean fenced = !stalled.alive();
            Integer exit = fenced ? stalled.awaitExit(Duration.ofMinutes(1)) : null;
            successor.stop();
            System.out.printf("frozen inside a transaction (after %d freeze(s)) for %.1f s; woken, its commit was refused %s%n",
                    frozen.freezes(), thawedAfter, fenced ? "as fencing: the instance exited with " + exit
                            : "and it went on with a new producer: " + health);

            if (fenced) {
                assertThat(exit).as("fenced, the woken instance stops for its supervisor to restart it").isEqualTo(RunCommand.EXIT_NOT_LIVE);
            } else {
                assertThat(health).as("not fenced, the woken instance goes on, live and ready").contains("\"live\":true").contains("\"ready\":true");
            }
            List<String> committed = Enriched.committedRequestIds(p);
            assertThat(committed).as("every admitted request enriched exactly once, none by the woken instance's aborted transaction")
                    .hasSize(BACKLOG + AFTER_THAW).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    /** Enrichment as its own process, a transaction after every poll of 100 records (the drain spends much of its time inside one). */
    private static StageProcess startCommittingEveryPoll(Pipeline p) {
        StageProcess stage = p.stage("enrichment", 1, Map.of("enrichment.commit.interval.ms", "0", "enrichment.poll.max.records", "100"));
        stage.start();
        await("a part of the backlog enriched and committed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> Enriched.committedRequestIds(p).size() >= COMMITTED_BEFORE_FREEZE);
        return stage;
    }

    private record Frozen(TransactionDescription transaction, int freezes) {}

    /**
     * Freezes {@code stage} (SIGSTOP) at a moment the broker reports its transaction open; a freeze that lands between
     * transactions is thawed and tried again.
     */
    private static Frozen freezeInsideOpenTransaction(Admin admin, StageProcess stage, String transactionalId) throws Exception {
        for (int freezes = 1; freezes <= ATTEMPTS; freezes++) {
            OpenTransactions.awaitOngoing(admin, transactionalId, TimeUnit.MINUTES.toMillis(2));
            stage.signal("STOP");
            Thread.sleep(200); // anything the instance sent before the freeze has reached the broker
            TransactionDescription d = OpenTransactions.describe(admin, transactionalId);
            if (d != null && d.state() == TransactionState.ONGOING) {
                return new Frozen(d, freezes);
            }
            stage.signal("CONT");
        }
        throw new AssertionError("the instance was never frozen inside an open transaction in " + ATTEMPTS + " freezes");
    }
}
