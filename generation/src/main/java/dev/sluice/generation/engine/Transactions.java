package dev.sluice.generation.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.ledger.Ledger;
import dev.sluice.generation.store.GenerationStore;
import org.apache.kafka.clients.consumer.Consumer;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka transaction per call: for every partition, the outputs of its contiguous completed prefix (results,
 * costs, ledger records, dead letters) plus {@code sendOffsetsToTransaction(offset after that prefix)}. Completions
 * out of order wait for the gap to fill, so an offset is never committed before every output below it.
 *
 * <p>Failure handling: an ordinary failure aborts and the same prefix is retried at the next commit. A commit that
 * times out is retried once (the producer allows it; an abort then would throw). Fencing, authorisation and
 * sequence errors, and an abort that itself fails, are fatal: the loop stops, the stage reports not live and its
 * process exits, so a restart fences this producer and aborts whatever it left open.
 */
public final class Transactions {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);

    private final Producer<byte[], byte[]> producer;
    private final Consumer<byte[], byte[]> consumer;
    private final OutputRecords outputs;
    private final Ledger ledger;
    private final GenerationStore store;
    private final ProcessorSettings processorSettings;
    private final GenerationMetrics metrics;

    public Transactions(Producer<byte[], byte[]> producer, Consumer<byte[], byte[]> consumer, OutputRecords outputs,
                        Ledger ledger, GenerationStore store, ProcessorSettings processorSettings, GenerationMetrics metrics) {
        this.producer = producer;
        this.consumer = consumer;
        this.outputs = outputs;
        this.ledger = ledger;
        this.store = store;
        this.processorSettings = processorSettings;
        this.metrics = metrics;
    }

    public void init() {
        producer.initTransactions();
    }

    /** Commits every completed prefix; returns the number of records committed (0 if nothing or aborted). */
    public int commit(Collection<PartitionProgress> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<PartitionProgress, Integer> committed = new HashMap<>();
        List<PartitionProgress.Slot> slots = new ArrayList<>();
        for (PartitionProgress p : partitions) {
            List<PartitionProgress.Slot> prefix = p.completedPrefix();
            if (!prefix.isEmpty()) {
                offsets.put(p.partition(), new OffsetAndMetadata(prefix.get(prefix.size() - 1).record().offset() + 1));
                committed.put(p, prefix.size());
                slots.addAll(prefix);
            }
        }
        if (offsets.isEmpty()) {
            return 0;
        }
        try {
            producer.beginTransaction();
            for (PartitionProgress.Slot slot : slots) {
                for (ProducerRecord<byte[], byte[]> out : outputs.of(slot.record(), slot.outcome())) {
                    producer.send(out);
                }
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            commitOrRetryOnce();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | InvalidProducerEpochException e) {
            throw e; // another instance took over (or we may not write): stop, the newer one redoes the work
        } catch (KafkaException e) {
            log.warn("transaction of {} records aborted ({}); retrying at the next commit", slots.size(), e.toString());
            abort(e);
            return 0;
        }
        committed.forEach(PartitionProgress::removePrefix);
        afterCommit(slots);
        return slots.size();
    }

    private void commitOrRetryOnce() {
        try {
            producer.commitTransaction();
        } catch (TimeoutException first) {
            log.warn("commitTransaction timed out; waiting for it once more");
            producer.commitTransaction();
        }
    }

    private void abort(KafkaException cause) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException abortFailed) {
            IllegalStateException fatal = new IllegalStateException("transaction could neither commit (" + cause.getClass().getSimpleName()
                    + ") nor abort (" + abortFailed.getClass().getSimpleName() + "); stopping so a restart fences and aborts it", abortFailed);
            throw fatal;
        }
    }

    private void afterCommit(List<PartitionProgress.Slot> slots) {
        List<String> emitted = new ArrayList<>();
        for (PartitionProgress.Slot slot : slots) {
            Outcome o = slot.outcome();
            if (slot.request() != null) {
                ledger.committed(slot.record().partition(), slot.request(), o instanceof Outcome.Emit);
            }
            if (o instanceof Outcome.Emit emit) {
                emitted.add(GenerationStore.requestKey(emit.result()));
                metrics.outcome(emit.kind());
                metrics.cost(emit.cost().getCostMicros());
                if (emit.cost().getCacheHit()) {
                    metrics.cacheHit(emit.cost().getSavedMicros());
                }
            } else if (o instanceof Outcome.DeadLetter dead) {
                metrics.deadLetter(dead.errorClass());
            } else {
                metrics.outcome(GenerationMetrics.SKIPPED);
            }
        }
        if (!emitted.isEmpty()) {
            store.forgetDone(emitted);
        }
    }

    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("producer close failed", e);
        }
    }
}
