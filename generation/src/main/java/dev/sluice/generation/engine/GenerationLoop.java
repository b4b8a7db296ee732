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
import dev.sluice.generation.ledger.Ledger;
import dev.sluice.generation.ledger.RequestHash;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schemas.TopicCatalog;
import dev.sluice.schemas.registry.SchemaRegistryException;
import dev.sluice.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage's single Kafka thread: polls {@code llm.requests.enriched}, asks the {@link Ledger} whether each
 * request was already answered, hands new ones to the {@link RequestProcessor} (never waiting for it), and every
 * {@code commitInterval} publishes, through {@link Transactions}, the outputs of every partition's contiguous
 * completed prefix together with the offsets after it and their ledger records.
 *
 * <p>A newly assigned partition stays paused until its ledger was read to the end. A revoked partition (and every
 * partition when the stage closes) is drained: nothing new is dispatched for it, its in-flight calls get up to
 * {@code drainTimeout} to finish, they are committed, and only then is it handed over. Calls still running then
 * are abandoned, counted and logged: the next owner calls them again.
 *
 * <p>Back-pressure: at most {@code maxInFlight} records are being processed; polled records beyond that wait in
 * a local backlog while every partition is paused, and a partition with {@code maxPendingPerPartition}
 * uncommitted records is paused on its own.
 */
public final class GenerationLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(GenerationLoop.class);
    private static final Duration MAX_POLL = Duration.ofMillis(10);
    private static final Duration LEDGER_RETRY = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final String input;
    private final RequestProcessor processor;
    private final LoopSettings settings;
    private final Ledger ledger;
    private final GenerationMetrics metrics;
    private final Transactions transactions;
    private final Deserializer<EnrichedRequest> decoder;
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final ArrayDeque<Dispatch> backlog = new ArrayDeque<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Object completions = new Object();
    private volatile Throwable fatal;
    private volatile boolean assigned;
    private long nextCommitNanos;
    private long nextLedgerLoadNanos;

    private record Dispatch(PartitionProgress owner, PartitionProgress.Slot slot, EnrichedRequest request) {}

    public GenerationLoop(Consumer<byte[], byte[]> consumer, Transactions transactions, TopicCatalog catalog,
                          RequestProcessor processor, LoopSettings settings, Ledger ledger, GenerationMetrics metrics) {
        this.consumer = consumer;
        this.transactions = transactions;
        this.input = catalog.enriched().name();
        this.processor = processor;
        this.settings = settings;
        this.ledger = ledger;
        this.metrics = metrics;
        this.decoder = catalog.enriched().valueSerde().deserializer();
    }

    /** Wires a loop from its clients (the stage's constructor of choice). */
    public static GenerationLoop create(Consumer<byte[], byte[]> consumer, org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer,
                                        TopicCatalog catalog, RequestProcessor processor, LoopSettings settings,
                                        ProcessorSettings processorSettings, GenerationStore store, Ledger ledger,
                                        GenerationMetrics metrics, Clock clock) {
        Transactions tx = new Transactions(producer, consumer, new OutputRecords(catalog, clock, settings.maxRecordBytes()),
                ledger, store, processorSettings, metrics);
        return new GenerationLoop(consumer, tx, catalog, processor, settings, ledger, metrics);
    }

    @Override
    public void run() {
        try {
            transactions.init();
            consumer.subscribe(List.of(input), new Rebalance());
            nextCommitNanos = System.nanoTime() + settings.commitInterval().toNanos();
            while (running.get()) {
                loadLedgers();
                dispatchBacklog();
                if (System.nanoTime() >= nextCommitNanos) {
                    transactions.commit(progress.values());
                    nextCommitNanos = System.nanoTime() + settings.commitInterval().toNanos();
                }
                applyBackPressure();
                long untilCommit = Math.max(0, nextCommitNanos - System.nanoTime());
                try {
                    accept(consumer.poll(Duration.ofNanos(Math.min(untilCommit, MAX_POLL.toNanos()))));
                } catch (WakeupException e) {
                    // stop() was called: leave the loop and drain
                }
            }
            drain(List.copyOf(progress.keySet()), "shutdown");
        } catch (Throwable t) {
            fatal = t;
            log.error("generation loop stopped: {}", t.toString());
        } finally {
            closeQuietly();
        }
    }

    private void loadLedgers() {
        if (System.nanoTime() < nextLedgerLoadNanos) {
            return;
        }
        Set<Integer> ready = ledger.loadPending();
        if (ready.isEmpty() && progress.keySet().stream().anyMatch(tp -> !ledger.ready(tp.partition()))) {
            nextLedgerLoadNanos = System.nanoTime() + LEDGER_RETRY.toNanos();
        }
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionProgress owner = progress.get(tp);
            if (owner == null) {
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                if (!ledger.ready(tp.partition())) {
                    consumer.seek(tp, record.offset()); // fetched before its ledger was loaded: read it again then
                    break;
                }
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
                admit(owner, record, request);
            }
        }
    }

    /** The ledger decides: answered or already running → nothing to publish; new → queued for a call. */
    private void admit(PartitionProgress owner, ConsumerRecord<byte[], byte[]> record, EnrichedRequest request) {
        LlmRequest r = request.getAdmitted().getRequest();
        RequestHash hash = RequestHash.of(GenerationStore.requestKey(r.getUserId(), r.getRequestId()));
        PartitionProgress.Slot slot = owner.register(record);
        Ledger.Verdict verdict = ledger.admit(record.partition(), hash);
        if (verdict != Ledger.Verdict.NEW) {
            slot.complete(new Outcome.Skip(r.getRequestId()));
            return;
        }
        slot.request(hash);
        backlog.addLast(new Dispatch(owner, slot, request));
    }

    private void dispatchBacklog() {
        while (!backlog.isEmpty() && metrics.inFlight().get() < settings.maxInFlight()) {
            Dispatch d = backlog.pollFirst();
            if (progress.get(d.owner().partition()) != d.owner()) {
                continue; // partition revoked since the poll
            }
            metrics.inFlight().incrementAndGet();
            d.slot().dispatched();
            processor.process(d.request()).whenComplete((outcome, failure) -> {
                metrics.inFlight().decrementAndGet();
                d.slot().complete(outcome != null ? outcome
                        : new Outcome.DeadLetter(d.request().getAdmitted().getRequest().getRequestId(),
                                RequestProcessor.INTERNAL_ERROR, "unexpected failure in generation", 0));
                synchronized (completions) {
                    completions.notifyAll();
                }
            });
        }
    }

    private void applyBackPressure() {
        boolean full = !backlog.isEmpty() || metrics.inFlight().get() >= settings.maxInFlight();
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionProgress p : progress.values()) {
            boolean shouldPause = full || p.pending() >= settings.maxPendingPerPartition() || !ledger.ready(p.partition().partition());
            if (shouldPause && !paused.contains(p.partition())) {
                pause.add(p.partition());
            } else if (!shouldPause && paused.contains(p.partition())) {
                resume.add(p.partition());
            }
        }
        if (!pause.isEmpty()) consumer.pause(pause);
        if (!resume.isEmpty()) consumer.resume(resume);
    }

    /**
     * Hands {@code partitions} over cleanly: drops their undispatched records (never called; the next owner reads
     * them), waits up to the drain timeout for their in-flight calls, and commits what completed.
     */
    private void drain(Collection<TopicPartition> partitions, String reason) {
        if (partitions.isEmpty()) {
            return;
        }
        Set<TopicPartition> gone = new HashSet<>(partitions);
        backlog.removeIf(d -> gone.contains(d.owner().partition()));
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        int waiting = inFlight(gone);
        if (waiting > 0) {
            log.info("draining {} in-flight calls of {} partitions before hand-over ({})", waiting, gone.size(), reason);
        }
        while (waiting > 0 && System.nanoTime() < deadline) {
            transactions.commit(progress.values());
            awaitCompletion(Math.min(deadline - System.nanoTime(), settings.commitInterval().toNanos()));
            waiting = inFlight(gone);
        }
        transactions.commit(progress.values());
        int abandoned = inFlight(gone);
        if (abandoned > 0) {
            metrics.abandoned(reason, abandoned);
            log.warn("{} calls still running after the drain timeout of {} ms abandoned ({}): the next owner calls them again",
                    abandoned, settings.drainTimeout().toMillis(), reason);
        }
    }

    private int inFlight(Set<TopicPartition> partitions) {
        int n = 0;
        for (TopicPartition tp : partitions) {
            PartitionProgress p = progress.get(tp);
            n += p == null ? 0 : p.inFlight();
        }
        return n;
    }

    private void awaitCompletion(long nanos) {
        if (nanos <= 0) {
            return;
        }
        synchronized (completions) {
            try {
                completions.wait(Math.max(1, nanos / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the loop: drains in-flight calls (bounded), publishes what is complete and closes the clients. */
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
        transactions.close();
        ledger.close();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (fatal == null) {
                drain(partitions, "revoked");
            }
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions); // another member owns them already: nothing of ours may be committed
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> progress.put(tp, new PartitionProgress(tp)));
            ledger.assigned(partitions.stream().map(TopicPartition::partition).toList());
            if (!partitions.isEmpty()) {
                consumer.pause(partitions); // until their ledger is loaded
                nextLedgerLoadNanos = 0;
            }
            assigned = !progress.isEmpty();
        }

        private void forget(Collection<TopicPartition> partitions) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            progress.keySet().removeAll(gone);
            backlog.removeIf(d -> gone.contains(d.owner().partition()));
            ledger.revoked(partitions.stream().map(TopicPartition::partition).toList());
            assigned = !progress.isEmpty();
        }
    }
}
