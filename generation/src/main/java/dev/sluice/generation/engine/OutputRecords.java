package dev.sluice.generation.engine;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.ReplyHeaders;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an outcome into the records it publishes (serialised here, so one byte[] producer serves all topics).
 * An answered request also writes its ledger record, to the partition number of the consumed record, so the
 * next owner of that partition finds it.
 *
 * <p>No record may stop the stage: a record the producer would refuse as larger than {@code max.request.size}
 * fails the whole transaction, again at every retry. An oversized result is replaced by a dead letter
 * {@value #OUTPUT_TOO_LARGE} (its cost event and ledger record still go out: the call was paid); an oversized
 * dead letter loses its value bytes (the header still names the original topic, partition and offset).
 */
public final class OutputRecords {
    /** Stage name written to dead letters. */
    public static final String STAGE = "generation";
    private static final Logger log = LoggerFactory.getLogger(OutputRecords.class);
    /** Dead-letter error class of an answer too large to publish. */
    public static final String OUTPUT_TOO_LARGE = dev.sluice.common.DeadLetterError.OUTPUT_TOO_LARGE.name();
    // Record batch, record and header framing on top of key + value + header bytes, generously.
    private static final int FRAMING_BYTES = 1024;

    private final TopicCatalog catalog;
    private final Clock clock;
    private final int maxRecordBytes;

    public OutputRecords(TopicCatalog catalog, Clock clock, int maxRecordBytes) {
        this.catalog = catalog;
        this.clock = clock;
        this.maxRecordBytes = maxRecordBytes;
    }

    public List<ProducerRecord<byte[], byte[]>> of(ConsumerRecord<byte[], byte[]> input, Outcome outcome) {
        if (outcome instanceof Outcome.Emit emit) {
            byte[] key = emit.result().getUserId().getBytes(StandardCharsets.UTF_8);
            String results = catalog.results().name();
            String costs = catalog.costs().name();
            List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(3);
            // The caller's reply address travels with the answer (dead letters keep it: they copy the input's headers).
            ProducerRecord<byte[], byte[]> result = new ProducerRecord<>(results, null, key,
                    catalog.results().valueSerde().serializer().serialize(results, emit.result()), ReplyHeaders.of(input.headers()));
            if (!fits(result)) {
                log.warn("result of {}@{} is {} bytes, over the {}-byte limit: dead-lettered as {}", input.topic() + "-"
                        + input.partition(), input.offset(), result.value().length, maxRecordBytes, OUTPUT_TOO_LARGE);
            }
            out.add(fits(result) ? result : deadLetter(input, new Outcome.DeadLetter(emit.result().getRequestId(),
                    OUTPUT_TOO_LARGE, "the result (" + result.value().length + " bytes) exceeds the producer's limit of "
                            + maxRecordBytes + " bytes; it was paid for and is not published", emit.result().getAttempts())));
            out.add(new ProducerRecord<>(costs, key, catalog.costs().valueSerde().serializer().serialize(costs, emit.cost())));
            out.add(ledger(input, GenerationStore.requestKey(emit.result())));
            return out;
        }
        if (outcome instanceof Outcome.DeadLetter dead) {
            return List.of(deadLetter(input, dead));
        }
        return List.of();
    }

    private ProducerRecord<byte[], byte[]> ledger(ConsumerRecord<byte[], byte[]> input, String requestKey) {
        byte[] value = ("answered " + input.topic() + "-" + input.partition() + "@" + input.offset()).getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(catalog.generationLedger().name(), input.partition(), requestKey.getBytes(StandardCharsets.UTF_8), value);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> input, Outcome.DeadLetter dead) {
        ProducerRecord<byte[], byte[]> letter = DeadLetterHeaders.deadLetter(catalog.dlq().name(), input, STAGE,
                dead.errorClass(), dead.message(), dead.attempts(), dead.requestId(), clock.instant());
        if (fits(letter)) {
            return letter;
        }
        return new ProducerRecord<>(letter.topic(), null, letter.timestamp(), letter.key(), null, letter.headers());
    }

    private boolean fits(ProducerRecord<byte[], byte[]> record) {
        long size = FRAMING_BYTES + (record.key() == null ? 0 : record.key().length)
                + (record.value() == null ? 0 : record.value().length);
        for (Header h : record.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size <= maxRecordBytes;
    }
}
