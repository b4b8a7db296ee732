package dev.sluice.reliability;

import java.time.Instant;
import java.util.List;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.LlmRequest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Enriched requests written straight to generation's input, for scenarios that run the generation process alone. */
final class Enriched {
    private Enriched() {}

    /** {@code request} as admission and enrichment would pass it on (reservation 1,000 µ$, no embedding). */
    static EnrichedRequest of(LlmRequest request) {
        AdmittedRequest admitted = AdmittedRequest.newBuilder().setRequest(request).setTier("PRO").setEstimatedInputTokens(100)
                .setReservedMicros(1_000).setAdmittedAt(Instant.now()).build();
        return EnrichedRequest.newBuilder().setAdmitted(admitted).setEmbeddingModel("none").setEmbedding(List.of())
                .setEmbeddingSource(EmbeddingSource.SKIPPED).setEnrichedAt(Instant.now()).build();
    }

    static KafkaProducer<String, EnrichedRequest> producer(Pipeline p) {
        return new KafkaProducer<>(p.kafka, p.catalog.enriched().keySerde().serializer(), p.catalog.enriched().valueSerde().serializer());
    }

    static void send(KafkaProducer<String, EnrichedRequest> producer, Pipeline p, List<EnrichedRequest> requests) {
        requests.forEach(r -> producer.send(new ProducerRecord<>(p.catalog.enriched().name(), r.getAdmitted().getRequest().getUserId(), r)));
        producer.flush();
    }

    static String id(EnrichedRequest r) {
        return r.getAdmitted().getRequest().getRequestId();
    }
}
