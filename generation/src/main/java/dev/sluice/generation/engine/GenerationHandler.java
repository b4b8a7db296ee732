package dev.sluice.generation.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.sluice.common.DeadLetterError;
import dev.sluice.common.loop.PartitionProgress;
import dev.sluice.common.loop.RecordHandler;
import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.ledger.Ledger;
import dev.sluice.generation.ledger.RequestHash;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryException;
import dev.sluice.contracts.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generation's work in the shared {@link dev.sluice.common.loop.TransactionalLoop} (which owns polling,
 * transactions, back-pressure, draining on hand-over and fencing): asks the {@link Ledger} whether each polled
 * request was already answered, submits new ones to the {@link RequestProcessor} (the loop starts at most
 * {@code maxInFlight} at once and never waits for one), and turns each outcome into its results, costs, ledger
 * records and dead letters ({@link OutputRecords}).
 *
 * <p>A newly assigned partition is not {@linkplain #ready ready} (the loop keeps it paused) until its ledger was
 * read to the end.
 */
public final class GenerationHandler implements RecordHandler<Outcome> {
    private static final Logger log = LoggerFactory.getLogger(GenerationHandler.class);
    private static final Duration LEDGER_RETRY = Duration.ofSeconds(1);

    private final RequestProcessor processor;
    private final Ledger ledger;
    private final GenerationStore store;
    private final GenerationMetrics metrics;
    private final OutputRecords outputs;
    private final Deserializer<EnrichedRequest> decoder;
    private final boolean publishAhead;
    private long nextLedgerLoadNanos;

    public GenerationHandler(TopicCatalog catalog, RequestProcessor processor, Ledger ledger, GenerationStore store,
                             OutputRecords outputs, GenerationMetrics metrics, boolean publishAhead) {
        this.publishAhead = publishAhead;
        this.processor = processor;
        this.ledger = ledger;
        this.store = store;
        this.outputs = outputs;
        this.metrics = metrics;
        this.decoder = catalog.enriched().valueSerde().deserializer();
    }

    @Override
    public void beforePoll() {
        if (System.nanoTime() < nextLedgerLoadNanos) {
            return;
        }
        ledger.loadPending(); // one slice: a large ledger loads over many polls, the ready partitions going on between them
        if (ledger.loadFailing()) {
            nextLedgerLoadNanos = System.nanoTime() + LEDGER_RETRY.toNanos();
        }
    }

    @Override
    public boolean ready(TopicPartition partition) {
        return ledger.ready(partition.partition());
    }

    @Override
    public void accept(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> poll, Intake<Outcome> intake) {
        poll.forEach((tp, records) -> {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (!ledger.ready(tp.partition())) {
                    intake.rewind(tp, record.offset()); // fetched before its ledger was loaded: read it again then
                    break;
                }
                EnrichedRequest request;
                try {
                    request = decoder.deserialize(record.topic(), record.value());
                } catch (SchemaRegistryException e) {
                    // an outage, not a bad record: read it again later
                    log.warn("schema registry unavailable decoding {}@{}; will re-read", tp, record.offset());
                    intake.rewind(tp, record.offset());
                    break;
                } catch (WireFormatException e) {
                    intake.register(record).complete(new Outcome.DeadLetter(null, DeadLetterError.UNDECODABLE.name(),
                            "value of " + tp + "@" + record.offset() + " is not a valid EnrichedRequest (" + e.kind() + ")", 0));
                    continue;
                }
                if (request == null) {
                    intake.register(record).complete(new Outcome.DeadLetter(null, DeadLetterError.EMPTY_VALUE.name(), "null value", 0));
                    continue;
                }
                admit(intake, record, request);
            }
        });
    }

    /** The ledger decides: answered or already running → nothing to publish; new → submitted for a call. */
    private void admit(Intake<Outcome> intake, ConsumerRecord<byte[], byte[]> record, EnrichedRequest request) {
        LlmRequest r = request.getAdmitted().getRequest();
        RequestHash hash = RequestHash.of(GenerationStore.requestKey(r.getUserId(), r.getRequestId()));
        PartitionProgress.Slot<Outcome> slot = intake.register(record);
        Ledger.Verdict verdict = ledger.admit(record.partition(), hash);
        if (verdict != Ledger.Verdict.NEW) {
            slot.complete(new Outcome.Skip(r.getRequestId()));
            return;
        }
        slot.attach(hash);
        intake.submit(slot, () -> processor.process(request).handle((outcome, failure) -> outcome != null ? outcome
                : new Outcome.DeadLetter(r.getRequestId(), RequestProcessor.INTERNAL_ERROR, "unexpected failure in generation", 0)));
    }

    @Override
    public List<ProducerRecord<byte[], byte[]>> outputs(ConsumerRecord<byte[], byte[]> source, Outcome outcome) {
        return outputs.of(source, outcome);
    }

    /**
     * An answer goes out at the next commit even while calls before it in its partition still run: its ledger record
     * is in the same transaction, so a next owner that reads it again (the consumed offset stays below it until those
     * calls are done) finds it answered and neither calls nor publishes it again. Dead letters and skips write no ledger
     * record and wait for their partition's prefix, as before: a dead letter read again would be called again. Off
     * with {@code generation.publish.ahead=false} (each partition's results in input order).
     */
    @Override
    public boolean publishAhead(Outcome outcome) {
        return publishAhead && outcome instanceof Outcome.Emit;
    }

    @Override
    public Outcome failed(ConsumerRecord<byte[], byte[]> source, Throwable failure) {
        log.warn("unexpected failure generating {}@{}: {}", source.topic() + "-" + source.partition(), source.offset(),
                failure.getClass().getSimpleName());
        return new Outcome.DeadLetter(null, RequestProcessor.INTERNAL_ERROR, "unexpected failure in generation", 0);
    }

    @Override
    public void committed(List<PartitionProgress.Slot<Outcome>> slots) {
        List<String> emitted = new ArrayList<>();
        for (PartitionProgress.Slot<Outcome> slot : slots) {
            Outcome o = slot.outcome();
            if (slot.attachment() instanceof RequestHash admitted) {
                ledger.committed(slot.record().partition(), admitted, o instanceof Outcome.Emit);
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

    @Override
    public void assigned(Collection<TopicPartition> partitions) {
        List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
        ledger.assigned(numbers);
        if (!partitions.isEmpty()) {
            nextLedgerLoadNanos = 0;
        }
    }

    @Override
    public void released(Collection<TopicPartition> partitions) {
        List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
        ledger.revoked(numbers);
    }

    @Override
    public void abandoned(String reason, int count) {
        metrics.abandoned(reason, count);
    }

    @Override
    public void close() {
        ledger.close();
    }
}
