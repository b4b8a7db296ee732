package dev.sluice.analytics.internal;

import java.time.Duration;

import dev.sluice.analytics.AnalyticsMetrics;
import dev.sluice.schema.CostEvent;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Forwards a cost event only the first time its requestId is seen within the horizon (event time, either side),
 * so a replay or a re-delivery never counts twice. Cost events are keyed by userId, so every copy of one
 * request's event reaches the same task and this store.
 */
public final class CostDeduplicator implements FixedKeyProcessor<String, CostEvent, CostEvent> {
    private final String storeName;
    private final long horizonMs;
    private final AnalyticsMetrics metrics;
    private FixedKeyProcessorContext<String, CostEvent> context;
    private WindowStore<String, Long> seen;

    public CostDeduplicator(String storeName, Duration horizon, AnalyticsMetrics metrics) {
        this.storeName = storeName;
        this.horizonMs = horizon.toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, CostEvent> context) {
        this.context = context;
        this.seen = context.getStateStore(storeName);
    }

    @Override
    public void process(FixedKeyRecord<String, CostEvent> record) {
        CostEvent cost = record.value();
        long ts = record.timestamp();
        try (WindowStoreIterator<Long> earlier = seen.fetch(cost.getRequestId(), Math.max(0, ts - horizonMs), ts + horizonMs)) {
            if (earlier.hasNext()) {
                metrics.duplicate();
                return;
            }
        }
        seen.put(cost.getRequestId(), ts, ts);
        metrics.counted(cost.getCostMicros(), cost.getSavedMicros());
        context.forward(record);
    }
}
