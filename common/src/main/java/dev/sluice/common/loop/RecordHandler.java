package dev.sluice.common.loop;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A stage's per-record work, plugged into a {@link TransactionalLoop}. The loop owns Kafka (polling, transactions,
 * rebalances, pausing); the handler only decides records and turns decisions into output records. All methods run
 * on the loop thread except the work submitted through {@link Intake#submit}.
 *
 * @param <O> what the stage decides for one record (exactly one per consumed record)
 */
public interface RecordHandler<O> {

    /** What a handler can do with a poll's records. */
    interface Intake<O> {
        /** Tracks a record (in offset order per partition); complete its slot now or {@link #submit} work for it. */
        PartitionProgress.Slot<O> register(ConsumerRecord<byte[], byte[]> record);

        /**
         * Queues work deciding {@code slot}; the loop starts it when fewer than {@code maxInFlight} are running.
         * A failed or null result completes the slot with {@link RecordHandler#failed}.
         */
        void submit(PartitionProgress.Slot<O> slot, Supplier<? extends CompletionStage<O>> work);

        /** Stops taking {@code partition}'s records in this poll: the next poll reads them again from {@code offset}. */
        void rewind(TopicPartition partition, long offset);
    }

    /**
     * Decides one poll's records of the partitions this loop owns. Throwing means an outage (a registry or model
     * provider down), not a bad record: the loop rewinds the whole poll and reads it again after the back-off.
     */
    void accept(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records, Intake<O> intake);

    /** The records published, inside the transaction, for one decided record. */
    List<ProducerRecord<byte[], byte[]>> outputs(ConsumerRecord<byte[], byte[]> source, O outcome);

    /** The outcome of submitted work that failed unexpectedly (or returned null). */
    O failed(ConsumerRecord<byte[], byte[]> source, Throwable failure);

    /**
     * After a transaction that published these slots committed (metrics, caches, what the stage remembers). Each slot
     * is passed once: with its partition's prefix, or earlier if it was published ahead.
     */
    void committed(List<PartitionProgress.Slot<O>> slots);

    /**
     * Whether a record decided as {@code outcome} may be published before the records below it in its partition are
     * done (while the consumed offset stays below it until they are): only when reading it again after a crash is
     * recognised as already published, so that it yields no second output (generation's ledger). Otherwise (the
     * default) it waits for its partition's contiguous completed prefix, so one slow record holds back those after it.
     */
    default boolean publishAhead(O outcome) {
        return false;
    }

    /**
     * Whether the loop should commit now rather than at the end of its commit interval (asked before every poll): for
     * a handler that commits a backlog on an interval but a record a caller waits on at once ({@link FreshCommits}).
     */
    default boolean commitDue() {
        return false;
    }

    /** Called before every poll (loading per-partition state, for example). */
    default void beforePoll() {
    }

    /** Whether {@code partition}'s records may be taken now; a partition that is not stays paused. */
    default boolean ready(TopicPartition partition) {
        return true;
    }

    /** Partitions newly assigned to this loop. */
    default void assigned(Collection<TopicPartition> partitions) {
    }

    /** Partitions no longer this loop's (revoked after their drain, or lost): forget their state. */
    default void released(Collection<TopicPartition> partitions) {
    }

    /** {@code count} submitted tasks were still running when their partition was handed over ({@code reason}). */
    default void abandoned(String reason, int count) {
    }

    /** The loop has stopped and closed its clients. */
    default void close() {
    }
}
