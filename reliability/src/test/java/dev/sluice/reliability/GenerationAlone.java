package dev.sluice.reliability;

import java.time.Duration;
import java.util.List;

import dev.sluice.schema.EnrichedRequest;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Only the generation stage of a {@link Pipeline}, as its own process, fed enriched requests directly: for scenarios
 * about the provider side (R5b, F1), where admission and enrichment would only add time.
 */
final class GenerationAlone implements AutoCloseable {
    private final Pipeline pipeline;
    private final Workload workload;
    private final KafkaProducer<String, EnrichedRequest> producer;
    private final OutcomeCounter outcomes;

    private GenerationAlone(Pipeline pipeline, String model) {
        this.pipeline = pipeline;
        this.workload = new Workload(pipeline).model(model, 16);
        this.producer = Enriched.producer(pipeline);
        this.outcomes = new OutcomeCounter(pipeline);
    }

    /** Starts {@code sluice run generation} and waits until it is ready; requests ask for {@code model}. */
    static GenerationAlone start(Pipeline pipeline, String model) throws InterruptedException {
        GenerationAlone alone = new GenerationAlone(pipeline, model);
        try {
            StageProcess generation = pipeline.stage("generation", 1);
            generation.start();
            generation.awaitReady(Duration.ofSeconds(180));
            return alone;
        } catch (RuntimeException | Error e) { // a stage that never became ready: close what was opened
            alone.close();
            throw e;
        }
    }

    /** The {@code i}-th request of {@code userId}, as enrichment would have published it. */
    EnrichedRequest request(String userId, int i) {
        return Enriched.of(workload.request(userId, i));
    }

    void send(List<EnrichedRequest> requests) {
        Enriched.send(producer, pipeline, requests);
    }

    OutcomeCounter outcomes() {
        return outcomes;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            producer.close();
            workload.close();
        } finally {
            outcomes.close();
        }
    }
}
