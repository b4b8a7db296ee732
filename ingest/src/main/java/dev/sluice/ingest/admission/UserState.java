package dev.sluice.ingest.admission;

import java.util.Arrays;

/**
 * Everything admission keeps per user, in one compact value (~70 bytes at 10 requests/min, plus ~14 bytes per
 * reservation held inline): the sliding-window log of admitted requests of the last minute (time and estimated tokens
 * of each), today's admitted count and spend, the money reserved and not yet reconciled, the time of the user's next
 * clean-up of admitted-request entries that no longer serve dedupe or reconciliation, and up to {@link #INLINE_HELD}
 * reservations still held (requestId hash, amount, admission time), so admitting a request writes this one record
 * and nothing else. A user with more requests in flight holds the rest in the admitted-requests store, as every
 * reservation was held before version 3. {@code nextExpiryAt} is kept for the encoding only: it was a reservation
 * TTL's next expiry, and reservations no longer expire (always 0 now).
 *
 * <p>Encoding (version 3): version byte, then varints: day, requestsToday, spentMicros, reservedMicros,
 * nextExpiryAt (0 = none), nextCleanupAt (0 = none), n, then n pairs (time delta from the previous entry,
 * tokens), then h and h triples (requestId hash as 8 fixed bytes, amountMicros, admittedAt). Version 2 lacks the
 * held reservations, version 1 also nextCleanupAt.
 */
public final class UserState {
    /** Width of the sliding window, milliseconds. */
    public static final long WINDOW_MS = 60_000L;
    static final long DAY_MS = 86_400_000L;
    /** Most reservations held inline; further ones go to the admitted-requests store. */
    static final int INLINE_HELD = 16;
    private static final int VERSION = 3;

    long day;
    int requestsToday;
    long spentMicros;
    long reservedMicros;
    long nextExpiryAt;
    long nextCleanupAt;
    int n;
    long[] at = new long[4];
    long[] tokens = new long[4];
    int held;
    long[] heldHash = new long[0];
    long[] heldMicros = new long[0];
    long[] heldAt = new long[0];

    public static long dayOf(long epochMillis) {
        return Math.floorDiv(epochMillis, DAY_MS);
    }

    /** Starts a new UTC day: today's count and spend go back to 0, reservations stay outstanding. */
    void rollTo(long newDay) {
        if (newDay > day) {
            day = newDay;
            requestsToday = 0;
            spentMicros = 0;
        }
    }

    /** Forgets log entries that left the window ending at {@code now} (an entry at now - 60 s has left it). */
    void prune(long now) {
        int drop = 0;
        while (drop < n && at[drop] <= now - WINDOW_MS) {
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(at, drop, at, 0, n - drop);
            System.arraycopy(tokens, drop, tokens, 0, n - drop);
            n -= drop;
        }
    }

    /** Time of the newest admitted request in the log, or {@code Long.MIN_VALUE}. */
    long newestAt() {
        return n == 0 ? Long.MIN_VALUE : at[n - 1];
    }

    void admit(long now, long estimatedTokens) {
        if (n == at.length) {
            at = Arrays.copyOf(at, n * 2);
            tokens = Arrays.copyOf(tokens, n * 2);
        }
        at[n] = now;
        tokens[n] = estimatedTokens;
        n++;
        requestsToday++;
    }

    /** Requests in the window ending at {@code now}. */
    int countInWindow(long now) {
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (at[i] > now - WINDOW_MS) {
                c++;
            }
        }
        return c;
    }

    /** Holds a reservation inline if there is room; false when {@link #INLINE_HELD} are held already. */
    boolean hold(long requestHash, long amountMicros, long admittedAt) {
        if (held == INLINE_HELD) {
            return false;
        }
        if (held == heldHash.length) {
            int size = Math.min(INLINE_HELD, Math.max(4, held * 2));
            heldHash = Arrays.copyOf(heldHash, size);
            heldMicros = Arrays.copyOf(heldMicros, size);
            heldAt = Arrays.copyOf(heldAt, size);
        }
        heldHash[held] = requestHash;
        heldMicros[held] = amountMicros;
        heldAt[held] = admittedAt;
        held++;
        return true;
    }

    /** The index of the inline reservation of {@code requestHash}, or -1. */
    int heldIndex(long requestHash) {
        for (int i = 0; i < held; i++) {
            if (heldHash[i] == requestHash) {
                return i;
            }
        }
        return -1;
    }

    /** Ends the inline reservation at {@code index} (its money is the caller's to move). */
    void unhold(int index) {
        int tail = held - index - 1;
        System.arraycopy(heldHash, index + 1, heldHash, index, tail);
        System.arraycopy(heldMicros, index + 1, heldMicros, index, tail);
        System.arraycopy(heldAt, index + 1, heldAt, index, tail);
        held--;
    }

    public long spentMicros() {
        return spentMicros;
    }

    public long reservedMicros() {
        return reservedMicros;
    }

    public long day() {
        return day;
    }

    public int requestsToday() {
        return requestsToday;
    }

    public byte[] encode() {
        VarCodec out = new VarCodec(16 + n * 6 + held * 16);
        out.putByte(VERSION).putVar(day).putVar(requestsToday).putVar(spentMicros).putVar(reservedMicros)
                .putVar(nextExpiryAt).putVar(nextCleanupAt).putVar(n);
        long prev = 0;
        for (int i = 0; i < n; i++) {
            out.putVar(at[i] - prev).putVar(tokens[i]);
            prev = at[i];
        }
        out.putVar(held);
        for (int i = 0; i < held; i++) {
            out.putFixed64(heldHash[i]).putVar(heldMicros[i]).putVar(heldAt[i]);
        }
        return out.toBytes();
    }

    public static UserState decode(byte[] bytes) {
        UserState s = new UserState();
        if (bytes == null) {
            return s;
        }
        VarCodec in = new VarCodec(bytes);
        int version = in.getByte();
        if (version < 1 || version > VERSION) {
            throw new IllegalStateException("unknown user state version " + version);
        }
        s.day = in.getVar();
        s.requestsToday = in.getVarInt();
        s.spentMicros = in.getVar();
        s.reservedMicros = in.getVar();
        s.nextExpiryAt = in.getVar();
        s.nextCleanupAt = version == 1 ? 0 : in.getVar();
        s.n = in.getVarInt();
        s.at = new long[Math.max(4, s.n + 1)];
        s.tokens = new long[s.at.length];
        long prev = 0;
        for (int i = 0; i < s.n; i++) {
            prev += in.getVar();
            s.at[i] = prev;
            s.tokens[i] = in.getVar();
        }
        if (version >= 3) {
            s.held = in.getVarInt();
            s.heldHash = new long[s.held];
            s.heldMicros = new long[s.held];
            s.heldAt = new long[s.held];
            for (int i = 0; i < s.held; i++) {
                s.heldHash[i] = in.getFixed64();
                s.heldMicros[i] = in.getVar();
                s.heldAt[i] = in.getVar();
            }
        }
        return s;
    }
}
