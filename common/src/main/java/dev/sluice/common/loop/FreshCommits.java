package dev.sluice.common.loop;

import java.time.Clock;

/**
 * The "caught up or behind" rule for a loop that commits on an interval ({@link RecordHandler#commitDue}): a record is
 * <em>fresh</em> when the loop takes it less than {@code freshWithinMs} after the broker appended it (its timestamp),
 * so a caller is waiting on the transaction; a poll with a fresh record is committed at once. A record that already
 * waited longer is part of a backlog: committing it sooner saves a small part of its wait and costs the drain rate
 * (each transaction is a round of markers on every partition it wrote), so a backlog is committed at the interval only.
 * Admission's commits follow the same rule ({@code CommitPacer}, ten commit intervals as the bound). Loop thread only.
 */
public final class FreshCommits {
    private final long freshWithinMs;
    private final Clock clock;
    private boolean freshPending;

    public FreshCommits(long freshWithinMs, Clock clock) {
        this.freshWithinMs = freshWithinMs;
        this.clock = clock;
    }

    /** Notes a record the loop took, appended at {@code timestamp} (epoch ms). */
    public void taken(long timestamp) {
        if (!freshPending && clock.millis() - timestamp < freshWithinMs) {
            freshPending = true;
        }
    }

    /** Whether a fresh record was taken since the last time this said yes. */
    public boolean due() {
        boolean due = freshPending;
        freshPending = false;
        return due;
    }
}
