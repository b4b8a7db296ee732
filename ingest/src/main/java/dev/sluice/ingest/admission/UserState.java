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
 * <p><b>A long window</b> (more than {@link #INLINE_MAX} admissions in the user's last minute) keeps only its oldest
 * and newest admissions here; the runs between are sealed, {@link #CHUNK_ENTRIES} at a time, into {@link WindowChunks}
 * (logically between the inline entries {@code [0, split)} and {@code [split, n)}), with their count and tokens kept
 * here. So a request rewrites at most {@code INLINE_MAX + CHUNK_ENTRIES} admissions, not the whole minute, and the window stays exact:
 * the check needs only the totals, and the trailing edge reads the sealed runs one by one as it reaches them.
 *
 * <p>Encoding (version 3): version byte, then varints: day, requestsToday, spentMicros, reservedMicros,
 * nextExpiryAt (0 = none), nextCleanupAt (0 = none), flags; with flag 1 (a clean-up pass under way)
 * passNextCleanupAt and the clean-up cursor (its UTF-8 length, then its bytes); with flag 2 (sealed chunks) split,
 * sealedFrom, sealedTo, sealedCount, sealedTokens; then n, then n pairs (time delta from the previous entry, tokens).
 * Version 2, written whenever neither applies (almost always: the previous release reads it), lacks the flags and
 * what they announce; version 1 lacks nextCleanupAt too.
 */
public final class UserState {
    /** Width of the sliding window, milliseconds. */
    public static final long WINDOW_MS = 60_000L;
    /** Admissions per sealed chunk of a long window. */
    static final int CHUNK_ENTRIES = 128;
    /** Most admissions kept in the user's record; beyond, the middle of the window is sealed into chunks. */
    static final int INLINE_MAX = 2 * CHUNK_ENTRIES;
    static final long DAY_MS = 86_400_000L;
    private static final int VERSION = 3;
    private static final int FLAG_PASS = 1;
    private static final int FLAG_SEALED = 2;
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
    /** Inline admissions, oldest first (with sealed chunks: {@code [0, split)} older than them, {@code [split, n)} newer). */
    int n;
    long[] at = new long[4];
    long[] tokens = new long[4];
    int split;
    /** Sealed chunks {@code [sealedFrom, sealedTo)}, oldest first; none when equal. */
    long sealedFrom;
    long sealedTo;
    int sealedCount;
    long sealedTokens;

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

    boolean hasSealed() {
        return sealedTo > sealedFrom;
    }

    /** Admissions in the log, inline and sealed. */
    int count() {
        return n + sealedCount;
    }

    /** Estimated tokens of the admissions in the log. */
    long tokensInLog() {
        long sum = sealedTokens;
        for (int i = 0; i < n; i++) {
            sum += tokens[i];
        }
        return sum;
    }

    /**
     * Forgets log entries that left the window ending at {@code now} (an entry at now - 60 s has left it), reading
     * (and deleting) a sealed chunk whenever the trailing edge reaches it. Returns whether it did: then this state must
     * be written back, whatever the request's outcome, or the stored one would name a chunk that is gone. (Pruning
     * alone need not be written: it follows from the time.)
     */
    boolean prune(long now, WindowChunks chunks) {
        boolean unsealed = false;
        while (true) {
            int head = hasSealed() ? split : n;
            int drop = 0;
            while (drop < head && at[drop] <= now - WINDOW_MS) {
                drop++;
            }
            remove(0, drop);
            if (hasSealed()) {
                split -= drop;
                if (split == 0) {
                    unseal(chunks);
                    unsealed = true;
                    continue; // the unsealed run may have left the window too
                }
            }
            return unsealed;
        }
    }

    /** Moves the oldest sealed chunk back in front of the inline entries (it becomes the head) and deletes it. */
    private void unseal(WindowChunks chunks) {
        byte[] bytes = chunks.get(sealedFrom);
        if (bytes == null) {
            throw new IllegalStateException("window chunk " + sealedFrom + " is missing");
        }
        VarCodec in = new VarCodec(bytes);
        int c = in.getVarInt();
        ensure(n + c);
        System.arraycopy(at, 0, at, c, n);
        System.arraycopy(tokens, 0, tokens, c, n);
        long prev = 0;
        long sum = 0;
        for (int i = 0; i < c; i++) {
            prev += in.getVar();
            at[i] = prev;
            tokens[i] = in.getVar();
            sum += tokens[i];
        }
        n += c;
        split = c;
        chunks.delete(sealedFrom);
        sealedFrom++;
        sealedCount -= c;
        sealedTokens -= sum;
        if (!hasSealed()) {
            sealedFrom = 0;
            sealedTo = 0;
            split = 0;
        }
    }

    /** Time of the newest admitted request in the log, or {@code Long.MIN_VALUE}. */
    long newestAt() {
        // with sealed chunks the newest run is inline and never empty: sealing leaves more than a chunk after `split`
        return n == 0 ? Long.MIN_VALUE : at[n - 1];
    }

    void admit(long now, long estimatedTokens, WindowChunks chunks) {
        ensure(n + 1);
        at[n] = now;
        tokens[n] = estimatedTokens;
        n++;
        requestsToday++;
        if (n > INLINE_MAX) {
            // Seal the oldest chunk of the newest run: the run after the head (the head is at most a chunk long).
            int from = hasSealed() ? split : CHUNK_ENTRIES;
            VarCodec out = new VarCodec(4 + CHUNK_ENTRIES * 6).putVar(CHUNK_ENTRIES);
            long prev = 0;
            long sum = 0;
            for (int i = from; i < from + CHUNK_ENTRIES; i++) {
                out.putVar(at[i] - prev).putVar(tokens[i]);
                prev = at[i];
                sum += tokens[i];
            }
            chunks.put(sealedTo, out.toBytes());
            sealedTo++;
            sealedCount += CHUNK_ENTRIES;
            sealedTokens += sum;
            remove(from, CHUNK_ENTRIES);
            split = from;
        }
    }

    private void remove(int from, int count) {
        if (count > 0) {
            System.arraycopy(at, from + count, at, from, n - from - count);
            System.arraycopy(tokens, from + count, tokens, from, n - from - count);
            n -= count;
        }
    }

    private void ensure(int capacity) {
        if (capacity > at.length) {
            int size = Math.max(capacity, at.length * 2);
            at = Arrays.copyOf(at, size);
            tokens = Arrays.copyOf(tokens, size);
        }
    }

    /**
     * The log's admissions oldest first, as (time, tokens), reading sealed chunks on the way without changing anything;
     * stops when {@code visitor} returns false. A chunk that is gone is skipped: only a reader on another thread (an
     * interactive query's {@link Usage}) can meet one, when the stream thread unsealed it after the state was read;
     * that answer is then off by the chunk's admissions until the next read.
     */
    void forEachOldestFirst(WindowChunks chunks, Visitor visitor) {
        int head = hasSealed() ? split : n;
        for (int i = 0; i < head; i++) {
            if (!visitor.visit(at[i], tokens[i])) {
                return;
            }
        }
        for (long seq = sealedFrom; seq < sealedTo; seq++) {
            byte[] bytes = chunks.get(seq);
            if (bytes == null) {
                continue;
            }
            VarCodec in = new VarCodec(bytes);
            int c = in.getVarInt();
            long prev = 0;
            for (int i = 0; i < c; i++) {
                prev += in.getVar();
                if (!visitor.visit(prev, in.getVar())) {
                    return;
                }
            }
        }
        for (int i = head; i < n; i++) {
            if (!visitor.visit(at[i], tokens[i])) {
                return;
            }
        }
    }

    /** One admission of the log; false to stop. */
    interface Visitor {
        boolean visit(long at, long tokens);
    }

    /**
     * Whether this state holds nothing a new user's would not, at {@code now}: no money reserved, no admitted-request
     * entries left to clean up, its UTC day over (today's count and spend start again from 0 either way) and no request
     * in the window ending at {@code now}. Such a state can be deleted (with its sealed chunks, if any): every decision
     * on the next request or cost comes out the same from an absent one.
     */
    boolean isBlank(long now) {
        return reservedMicros == 0 && nextCleanupAt == 0 && day < dayOf(now) && (n == 0 || at[n - 1] <= now - WINDOW_MS);
    }

    /** Requests in the window ending at {@code now}. */
    int countInWindow(long now, WindowChunks chunks) {
        int[] left = {0};
        forEachOldestFirst(chunks, (t, k) -> {
            if (t > now - WINDOW_MS) {
                return false;
            }
            left[0]++;
            return true;
        });
        return count() - left[0];
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
        // Version 2 unless a clean-up pass is under way or the window has sealed chunks, so a record stays readable by
        // the previous release in a rolling upgrade
        int flags = (cleanupCursor != null || passNextCleanupAt != 0 ? FLAG_PASS : 0) | (hasSealed() ? FLAG_SEALED : 0);
        byte[] cursor = cleanupCursor == null ? EMPTY : cleanupCursor.getBytes(StandardCharsets.UTF_8);
        VarCodec out = new VarCodec(40 + cursor.length + n * 6);
        out.putByte(flags == 0 ? 2 : VERSION).putVar(day).putVar(requestsToday).putVar(spentMicros).putVar(reservedMicros)
                .putVar(nextExpiryAt).putVar(nextCleanupAt);
        if (flags != 0) {
            out.putVar(flags);
        }
        if ((flags & FLAG_PASS) != 0) {
            out.putVar(passNextCleanupAt).putVar(cursor.length).putBytes(cursor);
        }
        if ((flags & FLAG_SEALED) != 0) {
            out.putVar(split).putVar(sealedFrom).putVar(sealedTo).putVar(sealedCount).putVar(sealedTokens);
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
        int flags = version >= 3 ? in.getVarInt() : 0;
        if ((flags & FLAG_PASS) != 0) {
            s.passNextCleanupAt = in.getVar();
            int cursorBytes = in.getVarInt();
            s.cleanupCursor = cursorBytes == 0 ? null : in.getString(cursorBytes);
        }
        if ((flags & FLAG_SEALED) != 0) {
            s.split = in.getVarInt();
            s.sealedFrom = in.getVar();
            s.sealedTo = in.getVar();
            s.sealedCount = in.getVarInt();
            s.sealedTokens = in.getVar();
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
