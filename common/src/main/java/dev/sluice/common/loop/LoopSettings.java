package dev.sluice.common.loop;

import java.time.Duration;

/**
 * The bounds of a {@link TransactionalLoop}.
 *
 * @param maxInFlight            records handed to an executor and not decided yet; at this bound every partition is
 *                               paused and further submitted work waits in the loop's backlog
 * @param maxPendingPerPartition polled-but-uncommitted records of one partition before it is paused on its own
 * @param commitInterval         time between transactions; {@link Duration#ZERO} commits after every poll
 * @param drainTimeout           how long a revoked partition (or a closing loop) waits for its in-flight work before
 *                               handing over; work still running then is abandoned (the next owner redoes it)
 * @param retryBackoff           wait after an aborted transaction or a failed poll before it is tried again
 * @param maxPoll                the longest single {@code poll}
 */
public record LoopSettings(int maxInFlight, int maxPendingPerPartition, Duration commitInterval, Duration drainTimeout,
                           Duration retryBackoff, Duration maxPoll) {
    public LoopSettings {
        if (maxInFlight < 1 || maxPendingPerPartition < 1) {
            throw new IllegalArgumentException("maxInFlight (" + maxInFlight + ") and maxPendingPerPartition ("
                    + maxPendingPerPartition + ") must be at least 1");
        }
        if (commitInterval.isNegative() || drainTimeout.isNegative() || retryBackoff.isNegative() || maxPoll.isNegative()) {
            throw new IllegalArgumentException("loop durations must not be negative");
        }
    }
}
