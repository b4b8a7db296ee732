package dev.sluice.analytics.internal;

import java.time.Duration;

import dev.sluice.analytics.AnalyticsMetrics;
import dev.sluice.common.UtcWindows;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Drops (and counts) an event whose tumbling window has closed, by the same rule as the windowed aggregation
 * right behind it: closed when {@code windowEnd <= observedStreamTime - grace}. Kafka Streams would drop it too,
 * but only into a task-level metric without the aggregation's name; this makes the loss visible per table.
 */
public final class LateEventGuard<V> implements FixedKeyProcessor<String, V, V> {
    private final long sizeMs;
    private final long graceMs;
    private final String aggregation;
    private final AnalyticsMetrics metrics;
    private FixedKeyProcessorContext<String, V> context;
    private long observedStreamTime = Long.MIN_VALUE;

    public LateEventGuard(Duration size, Duration grace, String aggregation, AnalyticsMetrics metrics) {
        this.sizeMs = size.toMillis();
        this.graceMs = grace.toMillis();
        this.aggregation = aggregation;
        this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
        long ts = record.timestamp();
        observedStreamTime = Math.max(observedStreamTime, ts);
        long windowEnd = UtcWindows.windowStart(ts, Duration.ofMillis(sizeMs)) + sizeMs;
        if (windowEnd <= observedStreamTime - graceMs) {
            metrics.lateDropped(aggregation);
            return;
        }
        context.forward(record);
    }
}
