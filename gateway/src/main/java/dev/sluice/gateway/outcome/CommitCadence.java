package dev.sluice.gateway.outcome;

/**
 * When the reply router commits its position: at most once per interval while outcomes flow (a poll under load holds
 * a handful of outcomes; a commit per poll was one more broker write per handful), and on the first poll past the
 * interval after the last outcome, so the group's position never lags for long once outcomes stop.
 */
final class CommitCadence {
    private final long intervalNanos;
    private long lastCommitNanos;
    private boolean uncommitted;

    CommitCadence(long intervalNanos, long nowNanos) {
        this.intervalNanos = intervalNanos;
        this.lastCommitNanos = nowNanos - intervalNanos;
    }

    /** Called after each poll's copies are flushed; true when the position should be committed now. */
    boolean due(boolean polledRecords, long nowNanos) {
        uncommitted |= polledRecords;
        if (uncommitted && nowNanos - lastCommitNanos >= intervalNanos) {
            lastCommitNanos = nowNanos;
            uncommitted = false;
            return true;
        }
        return false;
    }
}
