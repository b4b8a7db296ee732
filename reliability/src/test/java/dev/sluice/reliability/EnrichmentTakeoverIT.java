package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.loop.LoopClients;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
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

            // A transaction after every poll of 100 records: the drain spends much of its time inside one.
            StageProcess dying = p.stage("enrichment", 1, Map.of("enrichment.commit.interval.ms", "0", "enrichment.poll.max.records", "100"));
            String dyingId = dying.setting("enrichment.transactional.id");
            dying.start();
            await("a part of the backlog enriched and committed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                    .until(() -> Enriched.committedRequestIds(p).size() >= COMMITTED_BEFORE_FREEZE);
            TransactionDescription open = null;
            int freezes = 0;
            while (open == null && freezes < ATTEMPTS) {
                awaitOpenTransaction(admin, dyingId);
                dying.signal("STOP");
                freezes++;
                Thread.sleep(200); // anything the instance sent before the freeze has reached the broker
                TransactionDescription d = describe(admin, dyingId);
                if (d != null && d.state() == TransactionState.ONGOING) {
                    open = d;
                } else {
                    dying.signal("CONT");
                }
            }
            assertThat(open).as("the instance frozen inside an open transaction within %d freezes", ATTEMPTS).isNotNull();
            assertThat(open.transactionTimeoutMs()).as("the open transaction's timeout: what bounds its hold on the partitions")
                    .isEqualTo(LoopClients.DEFAULT_TRANSACTION_TIMEOUT_MS);
            dying.kill();
            long killedAt = System.nanoTime();
            int committedAtKill = Enriched.committedRequestIds(p).size();
            System.out.printf("killed inside a transaction (after %d freeze(s)) on %d partition(s); %,d of %,d enriched and committed%n",
                    freezes, open.topicPartitions().size(), committedAtKill, BACKLOG);

            // Another transactional id: nothing fences the dead one's transaction; the broker's timeout aborts it.
            StageProcess successor = p.stage("enrichment", 2);
            successor.start();
            await("the dead instance's transaction aborted by the broker").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> describe(admin, dyingId).state() != TransactionState.ONGOING);
            double abortedAfter = (System.nanoTime() - killedAt) / 1e9;
            await("the whole backlog enriched and committed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Enriched.committedRequestIds(p).size() >= BACKLOG);
            double drainedAfter = (System.nanoTime() - killedAt) / 1e9;
            successor.stop();
            System.out.printf("the dead instance's transaction ended %.1f s after the kill (%s); the backlog was drained %.1f s after it%n",
                    abortedAfter, describe(admin, dyingId).state(), drainedAfter);

            assertThat(describe(admin, dyingId).state()).as("the dead instance's transaction was aborted, never committed")
                    .isEqualTo(TransactionState.COMPLETE_ABORT);
            List<String> committed = Enriched.committedRequestIds(p);
            assertThat(committed).as("every admitted request enriched exactly once").hasSize(BACKLOG).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    /** Waits until the broker reports {@code transactionalId}'s transaction open (busy polling: one is open for milliseconds). */
    private static void awaitOpenTransaction(Admin admin, String transactionalId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            TransactionDescription d = describe(admin, transactionalId);
            if (d != null && d.state() == TransactionState.ONGOING) {
                return;
            }
        }
        throw new AssertionError("no open transaction of " + transactionalId + " seen in 2 minutes");
    }

    /** The broker's view of {@code transactionalId}'s transaction; null before the producer first initialised it. */
    private static TransactionDescription describe(Admin admin, String transactionalId) throws Exception {
        try {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return null;
            }
            throw e;
        }
    }
}
