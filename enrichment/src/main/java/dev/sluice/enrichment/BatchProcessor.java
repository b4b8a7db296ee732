package dev.sluice.enrichment;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.Sanitizer;
import dev.sluice.enrichment.embed.EmbeddingException;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Turns one poll of raw admitted records into enriched records and dead letters, without touching Kafka: decode,
 * enrich (via {@link Enricher}), encode. Bad records become dead letters with a stable error class and a message
 * free of prompt text; everything else propagates, so the caller retries the whole poll:
 * {@link dev.sluice.schemas.registry.SchemaRegistryException} (registry outage, not a bad record) and retriable
 * {@link EmbeddingException}s.
 *
 * <p>Error classes: {@code DESERIALIZATION} (undecodable bytes; the message names the wire-format rule broken),
 * {@code EMPTY_VALUE} (a null value), {@code EMBEDDING_REJECTED} (the embedding provider refused this record's text),
 * {@code RECORD_TOO_LARGE} (the enriched record would exceed the producer's {@code max.request.size}).
 */
final class BatchProcessor {
    static final String STAGE = "enrichment";

    private final Deserializer<AdmittedRequest> deserializer;
    private final Serializer<EnrichedRequest> serializer;
    private final Enricher enricher;
    private final EnrichmentMetrics metrics;
    private final String inputTopic;
    private final String outputTopic;
    private final String dlqTopic;
    private final int maxRecordBytes;
    private final Clock clock;

    BatchProcessor(Deserializer<AdmittedRequest> deserializer, Serializer<EnrichedRequest> serializer, Enricher enricher,
                   EnrichmentMetrics metrics, String inputTopic, String outputTopic, String dlqTopic, int maxRecordBytes, Clock clock) {
        this.deserializer = deserializer;
        this.serializer = serializer;
        this.enricher = enricher;
        this.metrics = metrics;
        this.inputTopic = inputTopic;
        this.outputTopic = outputTopic;
        this.dlqTopic = dlqTopic;
        this.maxRecordBytes = maxRecordBytes;
        this.clock = clock;
    }

    BatchOutcome process(List<ConsumerRecord<byte[], byte[]>> records) {
        BatchOutcome out = new BatchOutcome();
        List<ConsumerRecord<byte[], byte[]>> decodedRecords = new ArrayList<>(records.size());
        List<AdmittedRequest> decoded = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                out.deadLetters().add(deadLetter(r, "EMPTY_VALUE", "record has no value (tombstone)", null));
                continue;
            }
            try {
                decoded.add(deserializer.deserialize(inputTopic, r.value()));
                decodedRecords.add(r);
            } catch (WireFormatException e) {
                out.deadLetters().add(deadLetter(r, "DESERIALIZATION", e.kind() + ": " + e.getMessage(), null));
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
            byte[] value = serializer.serialize(outputTopic, e.value());
            if (value.length > maxRecordBytes) {
                out.deadLetters().add(deadLetter(e.source(), "RECORD_TOO_LARGE", "enriched record of " + value.length
                        + " bytes exceeds max.request.size " + maxRecordBytes, e.value().getAdmitted().getRequest().getRequestId()));
                continue;
            }
            ConsumerRecord<byte[], byte[]> source = e.source();
            out.enriched().add(new ProducerRecord<>(outputTopic, null, source.timestamp(), source.key(), value, source.headers()));
        }
        return out;
    }

    private record Enriched(ConsumerRecord<byte[], byte[]> source, EnrichedRequest value) {}

    private List<Enriched> oneByOne(List<ConsumerRecord<byte[], byte[]>> records, List<AdmittedRequest> decoded, BatchOutcome out) {
        List<Enriched> enriched = new ArrayList<>();
        for (int i = 0; i < decoded.size(); i++) {
            try {
                enriched.add(new Enriched(records.get(i), enricher.enrich(List.of(decoded.get(i))).get(0)));
            } catch (EmbeddingException e) {
                if (e.retriable()) {
                    throw e;
                }
                out.deadLetters().add(deadLetter(records.get(i), "EMBEDDING_REJECTED", e.getMessage(),
                        decoded.get(i).getRequest().getRequestId()));
            }
        }
        return enriched;
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, String errorClass, String message, String requestId) {
        metrics.deadLetter(errorClass);
        String safe = Sanitizer.sanitize(message, List.of(), List.of());
        return DeadLetterHeaders.deadLetter(dlqTopic, r, STAGE, errorClass, safe, 1, requestId, clock.instant());
    }
}
