package dev.sluice.gateway.outcome;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads an outcome from a raw record of {@code llm.results}, {@code llm.requests.rejected} or {@code llm.dlq}. */
public final class OutcomeDecoder {
    private final TopicCatalog catalog;

    public OutcomeDecoder(TopicCatalog catalog) {
        this.catalog = catalog;
    }

    /** Decodes a record of one of the outcome topics, or a copy of one on the reply topic (named by its header). */
    public Optional<Outcome> decode(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null && record.headers().lastHeader(DeadLetterHeaders.REQUEST_ID) == null) {
            return Optional.empty();
        }
        org.apache.kafka.common.header.Header source = record.headers().lastHeader(Replies.SOURCE);
        String topic = source != null && source.value() != null ? new String(source.value(), StandardCharsets.UTF_8) : record.topic();
        if (record.value() == null && !topic.equals(catalog.dlq().name())) {
            return Optional.empty();
        }
        if (topic.equals(catalog.results().name())) {
            return Optional.of(new Outcome.Completed(catalog.results().valueSerde().deserializer().deserialize(topic, record.headers(), record.value())));
        }
        if (topic.equals(catalog.rejected().name())) {
            return Optional.of(new Outcome.Rejected(catalog.rejected().valueSerde().deserializer().deserialize(topic, record.headers(), record.value())));
        }
        return deadLetter(record);
    }

    /** A dead letter names its request in a header and its user in the key (requests are keyed by userId). */
    private static Optional<Outcome> deadLetter(ConsumerRecord<byte[], byte[]> record) {
        Optional<String> requestId = DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.REQUEST_ID);
        if (requestId.isEmpty() || record.key() == null) {
            return Optional.empty();
        }
        return Optional.of(new Outcome.DeadLettered(new String(record.key(), StandardCharsets.UTF_8), requestId.get(),
                DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.STAGE).orElse("unknown"),
                DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ERROR_CLASS).orElse("UNKNOWN"),
                DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.MESSAGE).orElse("")));
    }

    /** The three outcome topics. */
    public java.util.List<String> topics() {
        return java.util.List.of(catalog.results().name(), catalog.rejected().name(), catalog.dlq().name());
    }
}
