package dev.sluice.ingest.admission;

/**
 * Decides when admission asks for an early commit: the "caught up or behind" rule behind
 * {@code ingest.commit.fresh.interval.ms}. A record is <em>fresh</em> when it is processed less than the long commit
 * interval after the broker appended it (its broker timestamp): then the caller is waiting on the commit, and every
 * fresh interval with a fresh record in it ends in a commit. A record that already waited longer than the long
 * interval is part of a backlog: committing it sooner saves it a small part of its wait and costs the drain rate
 * (every commit is a round of transaction markers on each output and changelog partition), so such records are
 * committed at the long interval only. Pure logic, one instance per task, called on the stream thread only.
 */
final class CommitPacer {
    private final long freshWithinMs;
    private boolean freshSinceLastTick;

    /** @param freshWithinMs the long commit interval: a record processed within it of its append is fresh */
    CommitPacer(long freshWithinMs) {
        this.freshWithinMs = freshWithinMs;
    }

    /** Notes a record appended at broker time {@code appendedAt} and processed at wall-clock time {@code now}. */
    void processed(long appendedAt, long now) {
        if (now - appendedAt < freshWithinMs) {
            freshSinceLastTick = true;
        }
    }

    /** At a fresh-interval tick: whether a fresh record was processed since the previous tick (and forgets it). */
    boolean commitDue() {
        boolean due = freshSinceLastTick;
        freshSinceLastTick = false;
        return due;
    }
}
