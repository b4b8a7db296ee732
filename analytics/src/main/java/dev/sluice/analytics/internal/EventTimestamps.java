package dev.sluice.analytics.internal;

import java.time.Instant;

import dev.sluice.schema.CostEvent;
import dev.sluice.schema.RejectedRequest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Windows use the time the event happened ({@code CostEvent.occurredAt}, {@code RejectedRequest.rejectedAt}),
 * not when it was written to Kafka, so a late or replayed event lands in the window it belongs to.
 */
public final class EventTimestamps implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        Object value = record.value();
        Instant at = value instanceof CostEvent c ? c.getOccurredAt()
                : value instanceof RejectedRequest r ? r.getRejectedAt() : null;
        if (at != null) {
            return at.toEpochMilli();
        }
        return record.timestamp() >= 0 ? record.timestamp() : partitionTime;
    }
}
