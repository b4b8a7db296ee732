package dev.sluice.ingest.admission;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Everything admission keeps per user, in one compact value (~90 bytes at 10 requests/min):
 * the sliding-window log of admitted requests of the last minute (time and estimated tokens of each),
 * today's admitted count and spend, the money reserved and not yet reconciled, and the time of the user's next
 * clean-up of admitted-request entries that no longer serve dedupe or reconciliation. {@code nextExpiryAt} is kept
 * for the encoding only: it was a reservation TTL's next expiry, and reservations no longer expire (always 0 now).
 *
 * <p>Encoding (version 3): version byte, then varints: day, requestsToday, spentMicros, reservedMicros,
 * nextExpiryAt (0 = none), nextCleanupAt (0 = none), passNextCleanupAt (0 = none), the clean-up cursor (its UTF-8
 * length, then its bytes), n, then n pairs (time delta from the previous entry, tokens). Version 2, written
 * whenever no clean-up pass is under way (almost always), lacks the two pass fields; version 1 lacks nextCleanupAt too.
 */
public final class UserState {
    /** Width of the sliding window, milliseconds. */
    public static final long WINDOW_MS = 60_000L;
    static final long DAY_MS = 86_400_000L;
    private static final int VERSION = 3;
    private static final byte[] EMPTY = new byte[0];

    long day;
    int requestsToday;
    long spentMicros;
    long reservedMicros;
    long nextExpiryAt;
    long nextCleanupAt;
    /**
     * While a clean-up pass over the user's admitted-request entries is under way (it visits a bounded number of
     * entries per step, see {@link ReservationLedger#maintain}): the requestId of the last entry it visited, else null.
     */
    String cleanupCursor;
    /** During a pass: the earliest time an entry seen or scheduled so far can be forgotten (0 = none yet). */
    long passNextCleanupAt;
    int n;
    long[] at = new long[4];
    long[] tokens = new long[4];

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

    /**
     * Asks for a clean-up of the admitted-request entries at {@code at} at the latest. During a pass it is remembered
     * for the pass's end (the pass is already due at every step); otherwise it moves the next clean-up earlier if need be.
     */
    void scheduleCleanup(long at) {
        if (cleanupCursor != null) {
            passNextCleanupAt = earliest(passNextCleanupAt, at);
        } else {
            nextCleanupAt = earliest(nextCleanupAt, at);
        }
    }

    static long earliest(long current, long candidate) {
        return current == 0 ? candidate : Math.min(current, candidate);
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

    /**
     * Whether this state holds nothing a new user's would not, at {@code now}: no money reserved, no admitted-request
     * entries left to clean up, its UTC day over (today's count and spend start again from 0 either way) and no request
     * in the window ending at {@code now}. Such a state can be deleted: every decision on the next request or cost
     * comes out the same from an absent one.
     */
    boolean isBlank(long now) {
        return reservedMicros == 0 && nextCleanupAt == 0 && day < dayOf(now) && (n == 0 || at[n - 1] <= now - WINDOW_MS);
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
        // Version 2 unless a clean-up pass is under way, so a record stays readable by the previous release in a rolling upgrade
        boolean pass = cleanupCursor != null || passNextCleanupAt != 0;
        byte[] cursor = cleanupCursor == null ? EMPTY : cleanupCursor.getBytes(StandardCharsets.UTF_8);
        VarCodec out = new VarCodec(20 + cursor.length + n * 6);
        out.putByte(pass ? VERSION : 2).putVar(day).putVar(requestsToday).putVar(spentMicros).putVar(reservedMicros)
                .putVar(nextExpiryAt).putVar(nextCleanupAt);
        if (pass) {
            out.putVar(passNextCleanupAt).putVar(cursor.length).putBytes(cursor);
        }
        out.putVar(n);
        long prev = 0;
        for (int i = 0; i < n; i++) {
            out.putVar(at[i] - prev).putVar(tokens[i]);
            prev = at[i];
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
        if (version >= 3) {
            s.passNextCleanupAt = in.getVar();
            int cursorBytes = in.getVarInt();
            s.cleanupCursor = cursorBytes == 0 ? null : in.getString(cursorBytes);
        }
        s.n = in.getVarInt();
        s.at = new long[Math.max(4, s.n + 1)];
        s.tokens = new long[s.at.length];
        long prev = 0;
        for (int i = 0; i < s.n; i++) {
            prev += in.getVar();
            s.at[i] = prev;
            s.tokens[i] = in.getVar();
        }
        return s;
    }
}
