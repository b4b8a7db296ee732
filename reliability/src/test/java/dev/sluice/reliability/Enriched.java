package dev.sluice.reliability;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.LlmRequest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Enriched requests written straight to generation's input, for scenarios that run the generation process alone; admitted
 * requests written straight to enrichment's input; and what the enriched topic holds.
 */
final class Enriched {
    private Enriched() {}

    /** {@code request} as admission and enrichment would pass it on (reservation 1,000 µ$, no embedding). */
    static EnrichedRequest of(LlmRequest request) {
        AdmittedRequest admitted = admitted(request, Instant.now());
        return EnrichedRequest.newBuilder().setAdmitted(admitted).setEmbeddingModel("none").setEmbedding(List.of())
                .setEmbeddingSource(EmbeddingSource.SKIPPED).setEnrichedAt(Instant.now()).build();
    }

    /** {@code request} as admission would pass it on at {@code admittedAt} (PRO, reservation 1,000 µ$). */
    static AdmittedRequest admitted(LlmRequest request, Instant admittedAt) {
        return AdmittedRequest.newBuilder().setRequest(request).setTier("PRO").setEstimatedInputTokens(100)
                .setReservedMicros(1_000).setAdmittedAt(admittedAt).build();
    }

    /**
     * Sends {@code n} admitted requests of 50 users (the workload's texts) straight to enrichment's input, the
     * {@code i}-th admitted and appended at {@code admittedAtMillis(i)}; returns their request ids in order.
     */
    static List<String> sendAdmitted(Pipeline p, Workload workload, int n, LongUnaryOperator admittedAtMillis) {
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, AdmittedRequest> producer = new KafkaProducer<>(p.kafka,
                p.catalog.admitted().keySerde().serializer(), p.catalog.admitted().valueSerde().serializer())) {
            for (int i = 0; i < n; i++) {
                long at = admittedAtMillis.applyAsLong(i);
                AdmittedRequest a = admitted(workload.request("user-" + (i % 50), i), Instant.ofEpochMilli(at));
                ids.add(a.getRequest().getRequestId());
                producer.send(new ProducerRecord<>(p.catalog.admitted().name(), null, at, a.getRequest().getUserId(), a));
            }
            producer.flush();
        }
        return ids;
    }

    /** Request ids of the enriched topic's committed records (what a read_committed reader sees). */
    static List<String> committedRequestIds(Pipeline p) {
        List<String> ids = new ArrayList<>();
        TopicScan.read(p.kafka, p.catalog.enriched().name(), true,
                r -> ids.add(id(p.catalog.enriched().valueSerde().deserializer().deserialize(r.topic(), r.value()))));
        return ids;
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
