package dev.sluice.generation.engine;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schemas.TopicCatalog;
import dev.sluice.schemas.registry.SchemaRegistryException;
import dev.sluice.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage's single Kafka thread: polls {@code llm.requests.enriched}, hands each record to the
 * {@link RequestProcessor} (never waiting for it), and every {@code commitInterval} publishes, in one
 * transaction, the outputs of every partition's contiguous completed prefix together with the offsets after it.
 *
 * <p>Back-pressure: at most {@code maxInFlight} records are being processed; polled records beyond that wait in
 * a local backlog while every partition is paused, and a partition with {@code maxPendingPerPartition}
 * uncommitted records (e.g. behind one slow call) is paused on its own. Nothing is dropped: a paused partition
 * is simply not fetched.
 */
public final class GenerationLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(GenerationLoop.class);
    private static final Duration MAX_POLL = Duration.ofMillis(10);

    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final TopicCatalog catalog;
    private final RequestProcessor processor;
    private final LoopSettings settings;
    private final ProcessorSettings processorSettings;
    private final GenerationStore store;
    private final GenerationMetrics metrics;
    private final OutputRecords outputs;
    private final Deserializer<EnrichedRequest> decoder;
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final ArrayDeque<Dispatch> backlog = new ArrayDeque<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Throwable fatal;
    private volatile boolean assigned;
    private long nextCommitNanos;

    private record Dispatch(PartitionProgress owner, PartitionProgress.Slot slot, EnrichedRequest request) {}

    public GenerationLoop(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, TopicCatalog catalog,
                          RequestProcessor processor, LoopSettings settings, ProcessorSettings processorSettings,
                          GenerationStore store, GenerationMetrics metrics, Clock clock) {
        this.consumer = consumer;
        this.producer = producer;
        this.catalog = catalog;
        this.processor = processor;
        this.settings = settings;
        this.processorSettings = processorSettings;
        this.store = store;
        this.metrics = metrics;
        this.outputs = new OutputRecords(catalog, clock);
        this.decoder = catalog.enriched().valueSerde().deserializer();
    }

    @Override
    public void run() {
        try {
            producer.initTransactions();
            consumer.subscribe(List.of(catalog.enriched().name()), new Rebalance());
            nextCommitNanos = System.nanoTime() + settings.commitInterval().toNanos();
            while (running.get()) {
                dispatchBacklog();
                if (System.nanoTime() >= nextCommitNanos) {
                    commit();
                    nextCommitNanos = System.nanoTime() + settings.commitInterval().toNanos();
                }
                applyBackPressure();
                long untilCommit = Math.max(0, nextCommitNanos - System.nanoTime());
                try {
                    accept(consumer.poll(Duration.ofNanos(Math.min(untilCommit, MAX_POLL.toNanos()))));
                } catch (WakeupException e) {
                    // stop() was called: leave the loop and publish what is complete
                }
            }
            commit(); // a clean stop publishes what is complete; in-flight calls are abandoned (done entries survive)
        } catch (Throwable t) {
            fatal = t;
            log.error("generation loop stopped: {}", t.toString());
        } finally {
            closeQuietly();
        }
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionProgress owner = progress.get(tp);
            if (owner == null) {
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                EnrichedRequest request;
                try {
                    request = decoder.deserialize(record.topic(), record.value());
                } catch (SchemaRegistryException e) {
                    // an outage, not a bad record: read it again later
                    log.warn("schema registry unavailable decoding {}@{}; will re-read", tp, record.offset());
                    consumer.seek(tp, record.offset());
                    break;
                } catch (WireFormatException e) {
                    owner.register(record).complete(new Outcome.DeadLetter(null, "UNDECODABLE_" + e.kind(),
                            "value of " + tp + "@" + record.offset() + " is not a valid EnrichedRequest (" + e.kind() + ")", 0));
                    continue;
                }
                if (request == null) {
                    owner.register(record).complete(new Outcome.DeadLetter(null, "UNDECODABLE_NULL", "null value", 0));
                    continue;
                }
                backlog.addLast(new Dispatch(owner, owner.register(record), request));
            }
        }
    }

    private void dispatchBacklog() {
        while (!backlog.isEmpty() && metrics.inFlight().get() < settings.maxInFlight()) {
            Dispatch d = backlog.pollFirst();
            if (progress.get(d.owner().partition()) != d.owner()) {
                continue; // partition revoked since the poll
            }
            metrics.inFlight().incrementAndGet();
            processor.process(d.request()).whenComplete((outcome, failure) -> {
                metrics.inFlight().decrementAndGet();
                d.slot().complete(outcome != null ? outcome
                        : new Outcome.DeadLetter(d.request().getAdmitted().getRequest().getRequestId(),
                                RequestProcessor.INTERNAL_ERROR, "unexpected failure in generation", 0));
            });
        }
    }

    private void applyBackPressure() {
        boolean full = !backlog.isEmpty() || metrics.inFlight().get() >= settings.maxInFlight();
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionProgress p : progress.values()) {
            boolean shouldPause = full || p.pending() >= settings.maxPendingPerPartition();
            if (shouldPause && !paused.contains(p.partition())) {
                pause.add(p.partition());
            } else if (!shouldPause && paused.contains(p.partition())) {
                resume.add(p.partition());
            }
        }
        if (!pause.isEmpty()) consumer.pause(pause);
        if (!resume.isEmpty()) consumer.resume(resume);
    }

    /** One transaction: outputs of every completed prefix plus the offsets after them. */
    void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<PartitionProgress, Integer> committed = new HashMap<>();
        List<PartitionProgress.Slot> slots = new ArrayList<>();
        for (PartitionProgress p : progress.values()) {
            List<PartitionProgress.Slot> prefix = p.completedPrefix();
            if (!prefix.isEmpty()) {
                offsets.put(p.partition(), new OffsetAndMetadata(prefix.get(prefix.size() - 1).record().offset() + 1));
                committed.put(p, prefix.size());
                slots.addAll(prefix);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            producer.beginTransaction();
            for (PartitionProgress.Slot slot : slots) {
                for (ProducerRecord<byte[], byte[]> out : outputs.of(slot.record(), slot.outcome())) {
                    producer.send(out);
                }
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | InvalidProducerEpochException e) {
            throw e; // another instance took over (or we may not write): stop, the newer one redoes the work
        } catch (KafkaException e) {
            log.warn("transaction of {} records aborted ({}); retrying at the next commit", slots.size(), e.toString());
            producer.abortTransaction();
            return;
        }
        committed.forEach(PartitionProgress::removePrefix);
        afterCommit(slots);
    }

    private void afterCommit(List<PartitionProgress.Slot> slots) {
        List<String> emitted = new ArrayList<>();
        for (PartitionProgress.Slot slot : slots) {
            Outcome o = slot.outcome();
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
            store.markCommitted(emitted, processorSettings.committedTtl());
        }
    }

    /** Stops the loop: publishes what is complete and closes the clients. */
    public void stop() {
        running.set(false);
        consumer.wakeup();
    }

    /** The error that stopped the loop, if any. */
    public Throwable fatal() {
        return fatal;
    }

    public boolean assigned() {
        return assigned;
    }

    private void closeQuietly() {
        try {
            // consumer first: its revocation callback commits through the producer
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            log.debug("consumer close failed", e);
        }
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("producer close failed", e);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commit(); // hand over everything complete; the rest is redone by the next owner (done entries spare the calls)
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> progress.put(tp, new PartitionProgress(tp)));
            assigned = !progress.isEmpty();
        }

        private void forget(Collection<TopicPartition> partitions) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            progress.keySet().removeAll(gone);
            backlog.removeIf(d -> gone.contains(d.owner().partition()));
            assigned = !progress.isEmpty();
        }
    }
}
