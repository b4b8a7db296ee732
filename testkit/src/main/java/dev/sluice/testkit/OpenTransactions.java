package dev.sluice.testkit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;

/**
 * The broker's view of a stage's transactions, for tests that stop a stage inside one: whether its transactional id
 * has a transaction open, with what timeout, how it ended, and how many records of a topic are still uncommitted.
 */
public final class OpenTransactions {
    private OpenTransactions() {}

    /** {@code transactionalId}'s transaction as the broker describes it; null before its producer first initialised it. */
    public static TransactionDescription describe(Admin admin, String transactionalId) throws Exception {
        try {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return null;
            }
            throw e;
        }
    }

    /** Whether the broker reports {@code transactionalId}'s transaction open (ongoing) now. */
    public static boolean ongoing(Admin admin, String transactionalId) throws Exception {
        TransactionDescription d = describe(admin, transactionalId);
        return d != null && d.state() == TransactionState.ONGOING;
    }

    /**
     * Waits until the broker reports {@code transactionalId}'s transaction open, asking without pause (a stage's
     * transaction is open for milliseconds); fails after {@code timeoutMillis}.
     */
    public static void awaitOngoing(Admin admin, String transactionalId, long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (ongoing(admin, transactionalId)) {
                return;
            }
        }
        throw new AssertionError("no open transaction of " + transactionalId + " seen in " + timeoutMillis + " ms");
    }

    /** Records of {@code topic} beyond its partitions' last stable offsets: those of transactions still open. */
    public static long uncommittedRecords(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResultInfo> end =
                admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get();
        Map<TopicPartition, ListOffsetsResultInfo> stable =
                admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        return end.entrySet().stream().mapToLong(e -> e.getValue().offset() - stable.get(e.getKey()).offset()).sum();
    }
}
