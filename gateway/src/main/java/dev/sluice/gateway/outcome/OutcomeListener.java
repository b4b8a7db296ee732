package dev.sluice.gateway.outcome;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.gateway.TopicTail;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schemas.TopicCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * One reader per gateway instance over {@code llm.results}, {@code llm.requests.rejected} and {@code llm.dlq},
 * handing each outcome to {@link Waiters}. It starts {@code lookback} before now rather than at the end, so a
 * restarted instance can still answer {@code GET /v1/sluice/requests/{id}} and duplicates of recent requests.
 */
public final class OutcomeListener implements AutoCloseable {
    private final TopicCatalog catalog;
    private final Waiters waiters;
    private final TopicTail tail;

    public OutcomeListener(Map<String, Object> kafka, TopicCatalog catalog, Waiters waiters, Duration lookback, Clock clock,
                           String clientId) {
        this.catalog = catalog;
        this.waiters = waiters;
        this.tail = new TopicTail(clientId, kafka,
                List.of(catalog.results().name(), catalog.rejected().name(), catalog.dlq().name()),
                c -> startOffsets(c, clock.millis() - lookback.toMillis()), this::dispatch);
    }

    public OutcomeListener start() {
        tail.start();
        return this;
    }

    private static Map<TopicPartition, Long> startOffsets(KafkaConsumer<byte[], byte[]> consumer, long fromMs) {
        Map<TopicPartition, Long> query = new HashMap<>();
        consumer.assignment().forEach(tp -> query.put(tp, Math.max(0, fromMs)));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        Map<TopicPartition, Long> start = new HashMap<>();
        consumer.assignment().forEach(tp -> start.put(tp, found.get(tp) == null ? end.get(tp) : found.get(tp).offset()));
        return start;
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        String topic = record.topic();
        if (topic.equals(catalog.results().name())) {
            GenerationResult r = catalog.results().valueSerde().deserializer().deserialize(topic, record.headers(), record.value());
            waiters.offer(new Outcome.Completed(r));
        } else if (topic.equals(catalog.rejected().name())) {
            RejectedRequest r = catalog.rejected().valueSerde().deserializer().deserialize(topic, record.headers(), record.value());
            waiters.offer(new Outcome.Rejected(r));
        } else {
            deadLetter(record).ifPresent(waiters::offer);
        }
    }

    /** A dead letter names its request in a header and its user in the key (requests are keyed by userId). */
    private static Optional<Outcome> deadLetter(ConsumerRecord<byte[], byte[]> record) {
        Optional<String> requestId = DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.REQUEST_ID);
        if (requestId.isEmpty() || record.key() == null) {
            return Optional.empty();
        }
        String userId = new String(record.key(), StandardCharsets.UTF_8);
        return Optional.of(new Outcome.DeadLettered(userId, requestId.get(),
                DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.STAGE).orElse("unknown"),
                DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ERROR_CLASS).orElse("UNKNOWN"),
                DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.MESSAGE).orElse("")));
    }

    public boolean ready() {
        return tail.caughtUp() && tail.alive();
    }

    @Override
    public void close() {
        tail.close();
    }
}
