package dev.sluice.enrichment;

import java.time.Clock;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.common.DeadLetterError;
import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.Sanitizer;
import dev.sluice.common.loop.FreshCommits;
import dev.sluice.common.loop.RecordHandler;
import dev.sluice.enrichment.embed.EmbeddingException;
import dev.sluice.contracts.serde.AvroDeserializer;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.contracts.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Enrichment's work in the shared {@link dev.sluice.common.loop.TransactionalLoop}: turns one poll of raw admitted
 * records into one output each (an enriched record or a dead letter), decided synchronously, without touching
 * Kafka: decode, enrich (via {@link Enricher}, one model batch for the whole poll), encode. Bad records become dead letters with a stable error class and a message
 * free of prompt text; everything else propagates, so the caller retries the whole poll:
 * {@link dev.sluice.contracts.registry.SchemaRegistryException} (registry outage, not a bad record) and retriable
 * {@link EmbeddingException}s.
 *
 * <p>Error classes ({@link DeadLetterError}): {@code UNDECODABLE} (undecodable bytes; the message names the
 * wire-format rule broken), {@code EMPTY_VALUE} (a null value), {@code EMBEDDING_REJECTED} (the embedding provider
 * refused this record's text), {@code OUTPUT_TOO_LARGE} (the enriched record would exceed the producer's
 * {@code max.request.size}).
 */
final class BatchProcessor implements RecordHandler<ProducerRecord<byte[], byte[]>> {
    static final String STAGE = "enrichment";

    private final Deserializer<AdmittedRequest> deserializer;
    private final EnrichedSerializer serializer;
    private final Enricher enricher;
    private final EnrichmentMetrics metrics;
    private final String inputTopic;
    private final String outputTopic;
    private final String dlqTopic;
    private final int maxRecordBytes;
    private final Clock clock;
    private final FreshCommits fresh;

    BatchProcessor(Deserializer<AdmittedRequest> deserializer, Serializer<EnrichedRequest> serializer, Enricher enricher,
                   EnrichmentMetrics metrics, String inputTopic, String outputTopic, String dlqTopic, int maxRecordBytes, Clock clock,
                   FreshCommits fresh) {
        this.deserializer = deserializer;
        // bytes of a received request are copied only if they were written with this build's own schema
        this.serializer = new EnrichedSerializer(serializer, outputTopic, AvroDeserializer.ownSchemaOf(deserializer));
        this.enricher = enricher;
        this.metrics = metrics;
        this.inputTopic = inputTopic;
        this.outputTopic = outputTopic;
        this.dlqTopic = dlqTopic;
        this.maxRecordBytes = maxRecordBytes;
        this.clock = clock;
        this.fresh = fresh;
    }

    @Override
    public void accept(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> poll,
                       RecordHandler.Intake<ProducerRecord<byte[], byte[]>> intake) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long newest = Long.MIN_VALUE;
        for (List<ConsumerRecord<byte[], byte[]>> partition : poll.values()) {
            for (ConsumerRecord<byte[], byte[]> r : partition) {
                records.add(r);
                newest = Math.max(newest, r.timestamp());
            }
        }
        fresh.taken(newest); // the poll is fresh if its newest record is (one clock read a poll, not one a record)
        Map<ConsumerRecord<byte[], byte[]>, ProducerRecord<byte[], byte[]>> out = process(records); // throws on an outage
        for (ConsumerRecord<byte[], byte[]> r : records) {
            intake.register(r).complete(out.get(r));
        }
    }

    /** A poll with a fresh record is committed at once, a backlog at the commit interval ({@link FreshCommits}). */
    @Override
    public boolean commitDue() {
        return fresh.due();
    }

    @Override
    public List<ProducerRecord<byte[], byte[]>> outputs(ConsumerRecord<byte[], byte[]> source, ProducerRecord<byte[], byte[]> outcome) {
        return List.of(outcome);
    }

    @Override
    public ProducerRecord<byte[], byte[]> failed(ConsumerRecord<byte[], byte[]> source, Throwable failure) {
        throw new IllegalStateException("enrichment decides records synchronously and submits no work", failure);
    }

    @Override
    public void committed(List<dev.sluice.common.loop.PartitionProgress.Slot<ProducerRecord<byte[], byte[]>>> slots) {
        // dead letters are counted when decided; nothing else to remember
    }

    /** One output per record (identity keys: a record is never equal to another). */
    Map<ConsumerRecord<byte[], byte[]>, ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<ConsumerRecord<byte[], byte[]>, ProducerRecord<byte[], byte[]>> out = new IdentityHashMap<>();
        List<ConsumerRecord<byte[], byte[]>> decodedRecords = new ArrayList<>(records.size());
        List<AdmittedRequest> decoded = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                out.put(r, deadLetter(r, DeadLetterError.EMPTY_VALUE, "record has no value (tombstone)", null));
                continue;
            }
            try {
                decoded.add(deserializer.deserialize(inputTopic, r.value()));
                decodedRecords.add(r);
            } catch (WireFormatException e) {
                out.put(r, deadLetter(r, DeadLetterError.UNDECODABLE, e.kind() + ": " + e.getMessage(), null));
            }
        }
        List<Enriched> enriched;
        try {
            List<EnrichedRequest> all = enricher.enrich(decoded);
            enriched = new ArrayList<>(all.size());
            for (int i = 0; i < all.size(); i++) {
                enriched.add(new Enriched(decodedRecords.get(i), all.get(i)));
            }
        } catch (EmbeddingException e) {
            if (e.retriable()) {
                throw e;
            }
            enriched = oneByOne(decodedRecords, decoded, out); // find the record(s) the provider refuses
        }
        for (Enriched e : enriched) {
            byte[] value = serializer.serialize(e.source().value(), e.value());
            if (value.length > maxRecordBytes) {
                out.put(e.source(), deadLetter(e.source(), DeadLetterError.OUTPUT_TOO_LARGE, "enriched record of " + value.length
                        + " bytes exceeds max.request.size " + maxRecordBytes, e.value().getAdmitted().getRequest().getRequestId()));
                continue;
            }
            ConsumerRecord<byte[], byte[]> source = e.source();
            out.put(source, new ProducerRecord<>(outputTopic, null, source.timestamp(), source.key(), value, source.headers()));
        }
        return out;
    }

    private record Enriched(ConsumerRecord<byte[], byte[]> source, EnrichedRequest value) {}

    private List<Enriched> oneByOne(List<ConsumerRecord<byte[], byte[]>> records, List<AdmittedRequest> decoded,
                                   Map<ConsumerRecord<byte[], byte[]>, ProducerRecord<byte[], byte[]>> out) {
        List<Enriched> enriched = new ArrayList<>();
        for (int i = 0; i < decoded.size(); i++) {
            try {
                enriched.add(new Enriched(records.get(i), enricher.enrich(List.of(decoded.get(i))).get(0)));
            } catch (EmbeddingException e) {
                if (e.retriable()) {
                    throw e;
                }
                out.put(records.get(i), deadLetter(records.get(i), DeadLetterError.EMBEDDING_REJECTED, e.getMessage(),
                        decoded.get(i).getRequest().getRequestId()));
            }
        }
        return enriched;
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, DeadLetterError errorClass, String message,
                                                      String requestId) {
        metrics.deadLetter(errorClass.name());
        String safe = Sanitizer.sanitize(message, List.of(), List.of());
        return DeadLetterHeaders.deadLetter(dlqTopic, r, STAGE, errorClass, safe, 1, requestId, clock.instant());
    }
}
