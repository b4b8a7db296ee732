package dev.sluice.generation.engine;

import java.time.Duration;

/**
 * The consumer loop's bounds.
 *
 * @param maxInFlight             requests being processed at once (calls, breaker waits); more are not dispatched
 * @param maxPendingPerPartition  polled-but-uncommitted records of one partition before it is paused
 * @param commitInterval          time between transactions
 */
public record LoopSettings(int maxInFlight, int maxPendingPerPartition, Duration commitInterval) {
    public LoopSettings {
        if (maxInFlight < 1 || maxPendingPerPartition < 1) {
            throw new IllegalArgumentException("in-flight and pending limits must be at least 1");
        }
    }
}
