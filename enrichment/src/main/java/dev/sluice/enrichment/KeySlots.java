package dev.sluice.enrichment;

import java.util.ArrayList;
import java.util.List;

/**
 * A batch's distinct cache keys, each at a slot (its first-seen position), found by an open-addressing table of
 * slot numbers: what {@link Enricher} uses to find a record's duplicate. A {@code HashMap<String, Integer>} did the
 * same with a node and a boxed slot per record (~48 of the warm path's ~556 bytes a record); here the only
 * allocations are one table and one list per batch.
 */
final class KeySlots {
    private final List<String> keys;
    // slot + 1 of the key hashed to each position, 0 where empty; at most half full, so probes stay short
    private final int[] table;
    private final int mask;

    /** Room for {@code maxKeys} distinct keys (a batch's record count). */
    KeySlots(int maxKeys) {
        this.keys = new ArrayList<>(maxKeys);
        this.table = new int[Integer.highestOneBit(Math.max(maxKeys, 1)) << 2];
        this.mask = table.length - 1;
    }

    /** The slot of {@code key}: its earlier slot if it was seen before, else the next slot, now holding it. */
    int slotOf(String key) {
        int h = key.hashCode(); // cached in the String, and needed again by the local cache's lookup
        for (int i = (h ^ (h >>> 16)) & mask; ; i = (i + 1) & mask) {
            int slot = table[i] - 1;
            if (slot < 0) {
                keys.add(key);
                table[i] = keys.size();
                return keys.size() - 1;
            }
            if (keys.get(slot).equals(key)) {
                return slot;
            }
        }
    }

    /** Distinct keys so far, by slot. */
    List<String> keys() {
        return keys;
    }
}
