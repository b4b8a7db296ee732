package dev.sluice.generation.engine;

import java.time.Duration;

/**
 * The consumer loop's bounds.
 *
 * @param maxInFlight             requests being processed at once (calls, breaker waits); more are not dispatched
 * @param maxPendingPerPartition  polled-but-uncommitted records of one partition before it is paused
 * @param commitInterval          time between transactions
 * @param drainTimeout            how long a revoked partition (or a closing stage) waits for its in-flight calls
 *                                before handing over; calls still running then are abandoned (and counted)
 * @param maxRecordBytes          the producer's {@code max.request.size}: larger outputs are dead-lettered
 * @param publishAhead            whether an answer is published while slower calls before it in its partition still
 *                                run ({@link GenerationHandler#publishAhead}); false keeps each partition's results in
 *                                input order
 */
public record LoopSettings(int maxInFlight, int maxPendingPerPartition, Duration commitInterval, Duration drainTimeout,
                           int maxRecordBytes, boolean publishAhead) {
    /** Default {@link #drainTimeout}: 30 s, longer than a typical completion. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** Kafka's default {@code max.request.size}, 1 MiB. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;

    public LoopSettings {
        if (maxInFlight < 1 || maxPendingPerPartition < 1) {
            throw new IllegalArgumentException("in-flight and pending limits must be at least 1");
        }
    }

    /** The shared loop's settings: an aborted transaction is retried at the next commit; polls last at most 10 ms. */
    public dev.sluice.common.loop.LoopSettings toLoopSettings() {
        return new dev.sluice.common.loop.LoopSettings(maxInFlight, maxPendingPerPartition, commitInterval, drainTimeout,
                commitInterval, Duration.ofMillis(10));
    }

    public LoopSettings(int maxInFlight, int maxPendingPerPartition, Duration commitInterval) {
        this(maxInFlight, maxPendingPerPartition, commitInterval, DEFAULT_DRAIN_TIMEOUT, DEFAULT_MAX_RECORD_BYTES, true);
    }
}
