package dev.sluice.generation.engine;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.schemas.TopicCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Turns an outcome into the records it publishes (serialised here, so one byte[] producer serves all topics). */
public final class OutputRecords {
    /** Stage name written to dead letters. */
    public static final String STAGE = "generation";

    private final TopicCatalog catalog;
    private final Clock clock;

    public OutputRecords(TopicCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    public List<ProducerRecord<byte[], byte[]>> of(ConsumerRecord<byte[], byte[]> input, Outcome outcome) {
        if (outcome instanceof Outcome.Emit emit) {
            byte[] key = emit.result().getUserId().getBytes(StandardCharsets.UTF_8);
            String results = catalog.results().name();
            String costs = catalog.costs().name();
            return List.of(
                    new ProducerRecord<>(results, key, catalog.results().valueSerde().serializer().serialize(results, emit.result())),
                    new ProducerRecord<>(costs, key, catalog.costs().valueSerde().serializer().serialize(costs, emit.cost())));
        }
        if (outcome instanceof Outcome.DeadLetter dead) {
            return List.of(DeadLetterHeaders.deadLetter(catalog.dlq().name(), input, STAGE, dead.errorClass(),
                    dead.message(), dead.attempts(), dead.requestId(), clock.instant()));
        }
        return List.of();
    }
}
