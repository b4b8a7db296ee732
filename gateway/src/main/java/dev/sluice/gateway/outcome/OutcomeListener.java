package dev.sluice.gateway.outcome;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.sluice.gateway.TopicTail;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * One reader per gateway instance over {@code llm.results}, {@code llm.requests.rejected} and {@code llm.dlq},
 * handing each outcome to the waiting calls and batches. It starts {@code lookback} before now rather than at the
 * end, so a restarted instance can still answer {@code GET /v1/sluice/requests/{id}} and duplicates of recent
 * requests.
 */
public final class OutcomeListener implements AutoCloseable {
    private final TopicTail tail;

    public OutcomeListener(Map<String, Object> kafka, OutcomeDecoder decoder, Consumer<Outcome> sink, Duration lookback, Clock clock,
                           String clientId) {
        this.tail = new TopicTail(clientId, kafka, decoder.topics(),
                c -> startOffsets(c, clock.millis() - lookback.toMillis()), r -> decoder.decode(r).ifPresent(sink));
    }

    public OutcomeListener start() {
        tail.start();
        return this;
    }

    /** Per partition, the first offset at or after {@code fromMs}, or the end if there is none. */
    public static Map<TopicPartition, Long> startOffsets(KafkaConsumer<byte[], byte[]> consumer, long fromMs) {
        Map<TopicPartition, Long> query = new HashMap<>();
        consumer.assignment().forEach(tp -> query.put(tp, Math.max(0, fromMs)));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        Map<TopicPartition, Long> start = new HashMap<>();
        consumer.assignment().forEach(tp -> start.put(tp, found.get(tp) == null ? end.get(tp) : found.get(tp).offset()));
        return start;
    }

    public boolean ready() {
        return tail.caughtUp() && tail.alive();
    }

    @Override
    public void close() {
        tail.close();
    }
}
