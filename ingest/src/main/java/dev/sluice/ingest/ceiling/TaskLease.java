package dev.sluice.ingest.ceiling;

import java.nio.ByteBuffer;

/**
 * What one admission task holds of one window's ceiling: its base share (implicit), the slices granted to it, the
 * worst-case money it admitted, and whether a lease request is on its way. Kept in the task's changelogged store and
 * changed only in the task's transactions, so a crashed task's successor restores exactly what was granted and used:
 * nothing granted is forgotten or counted twice.
 *
 * @param windowNumber which window of its kind this lease is for
 * @param grantedMicros slices granted by the coordinator (beyond the base share) and not returned
 * @param usedMicros    worst-case money admitted in this window by this task
 * @param askedAt       broker time of the lease request still unanswered, 0 if none
 * @param exhaustedAt   broker time the coordinator last said the pool was empty, 0 if never in this window
 * @param lastTakeAt    wall-clock time of the last admission that took from this lease, or of the last grant (an
 *                      idle lease's unused slices are returned)
 */
public record TaskLease(long windowNumber, long grantedMicros, long usedMicros, long askedAt, long exhaustedAt,
                        long lastTakeAt) {
    private static final int SIZE = 6 * 8;

    static TaskLease fresh(long windowNumber) {
        return new TaskLease(windowNumber, 0, 0, 0, 0, 0);
    }

    /** What is left to admit in this window, given the partition's base share. */
    public long remaining(long baseMicros) {
        return baseMicros + grantedMicros - usedMicros;
    }

    TaskLease take(long amount, long wallClock) {
        return new TaskLease(windowNumber, grantedMicros, usedMicros + amount, askedAt, exhaustedAt, wallClock);
    }

    TaskLease asked(long at) {
        return new TaskLease(windowNumber, grantedMicros, usedMicros, at, exhaustedAt, lastTakeAt);
    }

    TaskLease granted(long amount, boolean exhausted, long at, long wallClock) {
        return new TaskLease(windowNumber, grantedMicros + amount, usedMicros, 0, exhausted ? Math.max(1, at) : 0, wallClock);
    }

    TaskLease returned(long amount) {
        return new TaskLease(windowNumber, grantedMicros - amount, usedMicros, askedAt, exhaustedAt, lastTakeAt);
    }

    byte[] encode() {
        return ByteBuffer.allocate(SIZE).putLong(windowNumber).putLong(grantedMicros).putLong(usedMicros)
                .putLong(askedAt).putLong(exhaustedAt).putLong(lastTakeAt).array();
    }

    public static TaskLease decode(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw);
        return new TaskLease(b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }
}
