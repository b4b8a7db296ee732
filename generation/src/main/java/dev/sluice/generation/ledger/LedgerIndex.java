package dev.sluice.generation.ledger;

/**
 * The answered requests of one partition as a set of {@link RequestHash}es: open addressing (linear probing) over two
 * {@code long[]} (no object per entry), at most three quarters full, so 21–43 bytes of heap per answered request
 * (32–64 when it was kept at most half full). The hashes are SHA-256 bits, spread evenly, so probes stay short at that
 * load: ~2.5 slots for a hash that is there, ~8.5 (adjacent, in one or two cache lines) for one that is not.
 * Loop thread only.
 */
public final class LedgerIndex {
    private long[] highs = new long[1024];
    private long[] lows = new long[1024];
    private int size;

    /** Adds {@code hash}; false if it was already there. */
    public boolean add(RequestHash hash) {
        if ((size + 1) * 4L > highs.length * 3L) {
            grow();
        }
        boolean added = insert(highs, lows, hash.high(), nonZero(hash));
        if (added) {
            size++;
        }
        return added;
    }

    public boolean contains(RequestHash hash) {
        long low = nonZero(hash);
        int mask = highs.length - 1;
        for (int i = slot(hash.high(), low, mask); ; i = (i + 1) & mask) {
            if (lows[i] == 0) {
                return false;
            }
            if (lows[i] == low && highs[i] == hash.high()) {
                return true;
            }
        }
    }

    public int size() {
        return size;
    }

    /** Slots in the table: {@code 16} bytes of heap each. */
    int capacity() {
        return highs.length;
    }

    private boolean insert(long[] hs, long[] ls, long high, long low) {
        int mask = hs.length - 1;
        for (int i = slot(high, low, mask); ; i = (i + 1) & mask) {
            if (ls[i] == 0) {
                hs[i] = high;
                ls[i] = low;
                return true;
            }
            if (ls[i] == low && hs[i] == high) {
                return false;
            }
        }
    }

    private void grow() {
        long[] oldHighs = highs;
        long[] oldLows = lows;
        highs = new long[oldHighs.length * 2];
        lows = new long[oldLows.length * 2];
        for (int i = 0; i < oldLows.length; i++) {
            if (oldLows[i] != 0) {
                insert(highs, lows, oldHighs[i], oldLows[i]);
            }
        }
    }

    private static int slot(long high, long low, int mask) {
        return (int) (high ^ (high >>> 32) ^ low) & mask;
    }

    // 0 marks an empty slot; mapping a zero low word to 1 costs one bit of one word's 2^64 range.
    private static long nonZero(RequestHash hash) {
        return hash.low() == 0 ? 1 : hash.low();
    }
}
