package dev.sluice.common.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka transaction per {@link #commit}: for every partition, the outputs of its contiguous completed prefix
 * plus {@code sendOffsetsToTransaction(offset after that prefix)}. An offset is never committed before every output
 * below it. Outcomes completed beyond the prefix wait for the gap to fill, unless the handler lets them be published
 * ahead ({@link RecordHandler#publishAhead}: it recognises them when they are read again after a crash); they are
 * then published in this transaction, whose offsets still name every partition it publishes for (the first
 * uncommitted offset again if the prefix is empty), so the consumer group's fencing check guards it like any other.
 *
 * <p>Failure policy (the one every stage gets):
 * <ul>
 * <li><b>Fenced</b> ({@link ProducerFencedException}, {@link InvalidProducerEpochException}), and errors the
 *     producer documents as fatal ({@link OutOfOrderSequenceException}, {@link AuthorizationException},
 *     {@link UnsupportedVersionException}): thrown as {@link FatalLoopException}; the loop stops and reports
 *     failed. Another instance owns this transactional id now; rebuilding would fence it back and the two would
 *     take turns redoing each other's work, so the newer one keeps it and this one ends (the stage reports not
 *     live; its supervisor restarts it).</li>
 * <li><b>Anything else</b> (an abortable Kafka error, a handler exception while building outputs, a commit that
 *     timed out twice): the transaction is aborted and the same prefix is kept, not forgotten: the next commit
 *     (after the retry back-off) publishes it again in a new transaction; read_committed readers never see the
 *     aborted copy. The producer is reused after a successful abort, as its Javadoc allows.</li>
 * <li><b>An abort that fails too</b> (the producer is in an unknown transaction state): the producer is closed and
 *     a new one built; its {@code initTransactions} bumps the epoch, which aborts whatever the old one left open.
 *     If that fails as well, the loop stops (fatal).</li>
 * <li>A commit that times out is waited for once more (the producer allows retrying it; aborting then would throw).</li>
 * </ul>
 */
final class Transactions<O> {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Supplier<? extends Producer<byte[], byte[]>> producers;
    private final Supplier<ConsumerGroupMetadata> group;
    private final RecordHandler<O> handler;
    private Producer<byte[], byte[]> producer;
    private volatile String lastFailure = "";
    // written by the loop's thread only, read by a metrics scrape
    private volatile int rebuilt;
    private volatile long aborted;

    Transactions(Supplier<? extends Producer<byte[], byte[]>> producers, Supplier<ConsumerGroupMetadata> group, RecordHandler<O> handler) {
        this.producers = producers;
        this.group = group;
        this.handler = handler;
    }

    void init() {
        producer = producers.get();
        producer.initTransactions();
    }

    /** What {@link #commit} returns when it aborted the transaction. */
    static final int ABORTED = -1;

    /**
     * Commits every completed prefix (and what may be published ahead of it); returns the number of records
     * published or committed, 0 if there was nothing to commit, or {@link #ABORTED} if the transaction was aborted
     * (its records are published again by a later call).
     */
    int commit(Collection<PartitionProgress<O>> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<PartitionProgress<O>, Integer> committed = new HashMap<>();
        List<PartitionProgress.Slot<O>> slots = new ArrayList<>();
        int records = 0;
        for (PartitionProgress<O> p : partitions) {
            PartitionProgress.Batch<O> batch = p.next(handler::publishAhead);
            if (batch != null) {
                offsets.put(p.partition(), new OffsetAndMetadata(batch.nextOffset()));
                committed.put(p, batch.prefix());
                slots.addAll(batch.publish());
                records += batch.records();
            }
        }
        if (offsets.isEmpty()) {
            return 0;
        }
        try {
            producer.beginTransaction();
            for (PartitionProgress.Slot<O> slot : slots) {
                for (ProducerRecord<byte[], byte[]> out : handler.outputs(slot.record(), slot.outcome())) {
                    producer.send(out);
                }
            }
            producer.sendOffsetsToTransaction(offsets, group.get());
            commitOrRetryOnce();
        } catch (RuntimeException e) {
            throwIfFatal(e);
            lastFailure = e.getClass().getSimpleName();
            log.warn("transaction of {} records aborted ({}); publishing them again after the back-off", records, lastFailure);
            abortOrRebuild(e);
            aborted++;
            return ABORTED;
        }
        slots.forEach(PartitionProgress.Slot::markPublished);
        committed.forEach(PartitionProgress::removePrefix);
        lastFailure = "";
        handler.committed(slots);
        return records;
    }

    /**
     * Asks the broker whether this member still owns {@code offsets}' partitions: an otherwise empty transaction that
     * commits each offset again (the first uncommitted one, so nothing moves) with the consumer group's metadata. The
     * group coordinator refuses it ({@code CommitFailedException}, a fenced instance id) when the group has moved on
     * without this member; then false, and the transaction is aborted. Any other failure is also false: not known to
     * still own them.
     */
    boolean confirmOwnership(Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(offsets, group.get());
            commitOrRetryOnce();
            lastFailure = "";
            return true;
        } catch (RuntimeException e) {
            throwIfFatal(e);
            lastFailure = e.getClass().getSimpleName();
            abortOrRebuild(e);
            aborted++;
            return false;
        }
    }

    private void commitOrRetryOnce() {
        try {
            producer.commitTransaction();
        } catch (TimeoutException first) {
            log.warn("commitTransaction timed out; waiting for it once more");
            producer.commitTransaction();
        }
    }

    private void abortOrRebuild(RuntimeException cause) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException abortFailed) {
            throwIfFatal(abortFailed); // a fenced producer is never replaced: that would fence the newer instance back
            log.warn("abort after {} failed too ({}); replacing the producer", cause.getClass().getSimpleName(),
                    abortFailed.getClass().getSimpleName());
            close();
            try {
                init();
                rebuilt++;
            } catch (KafkaException initFailed) {
                throw new FatalLoopException("transaction could neither commit (" + cause.getClass().getSimpleName()
                        + ") nor abort (" + abortFailed.getClass().getSimpleName() + "), and a new producer could not be initialised ("
                        + initFailed.getClass().getSimpleName() + ")", initFailed);
            }
        }
    }

    /** Fencing and the producer's other fatal errors, also when wrapped ("in an error state", cause = the error). */
    private static void throwIfFatal(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException || t instanceof OutOfOrderSequenceException
                    || t instanceof AuthorizationException || t instanceof UnsupportedVersionException) {
                throw new FatalLoopException(t.getClass().getSimpleName() + ": " + fatalReason(t) + "; stopping", t);
            }
        }
    }

    /** What a fatal error means for this instance, in words an operator can act on. */
    private static String fatalReason(Throwable t) {
        if (t instanceof ProducerFencedException) {
            return "another instance took this transactional id";
        }
        if (t instanceof InvalidProducerEpochException) {
            return "the broker ended this producer's transaction (open longer than transaction.timeout.ms, e.g. after a stall) "
                    + "or another instance took this transactional id";
        }
        if (t instanceof AuthorizationException) {
            return "this instance may not write its topics or use its transactional id";
        }
        return "the producer cannot go on";
    }

    /** The last transaction failure, empty once a transaction commits or nothing of the failed one is left to publish. */
    String lastFailure() {
        return lastFailure;
    }

    /**
     * Forgets the last failure: the partitions whose records it could not publish are gone (revoked or lost) and
     * nothing else waits to be published, so no retry will ever clear it. Without this an instance that lost its
     * partitions after a refused commit stayed not ready while it sat idle, however healthy.
     */
    void forgetFailure() {
        lastFailure = "";
    }

    /** How often the producer was replaced after a failed abort. */
    int rebuilt() {
        return rebuilt;
    }

    /** Transactions that did not commit and were ended (aborted, or by replacing the producer); fenced ones are not counted. */
    long aborted() {
        return aborted;
    }

    void close() {
        if (producer == null) {
            return;
        }
        try {
            producer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            log.debug("producer close failed: {}", e.getClass().getSimpleName());
        }
    }
}
