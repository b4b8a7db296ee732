package dev.sluice.gateway.outcome;

import java.util.Collection;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * The reply partitions an instance owns, and since when. A partition owned for longer than {@code linger} (the longest
 * wait) is <i>settled</i>: no other instance can still have a call waiting on it, because calls name only partitions
 * their own instance owns and a previous owner reads a moved partition on for at most {@code linger}. Only then may
 * this instance answer its own calls' outcomes without copying them through the reply topic ({@link ReplyRouter}).
 * Times are {@link System#nanoTime()} values; the class holds no clock of its own so that tests can drive it.
 */
final class OwnedPartitions {
    private final long lingerNanos;
    /** Partition → when this instance was last given it. Replaced whole on every change, read without locks. */
    private volatile TreeMap<Integer, Long> since = new TreeMap<>();

    OwnedPartitions(long lingerNanos) {
        this.lingerNanos = lingerNanos;
    }

    /** The group's assignment changed: partitions kept keep their time, new ones start now, the rest are dropped. */
    synchronized void update(Collection<Integer> owned, long now) {
        TreeMap<Integer, Long> next = new TreeMap<>();
        for (Integer p : owned) {
            next.put(p, since.getOrDefault(p, now));
        }
        since = next;
    }

    /** The partition new calls should name: the lowest owned, or none before the group assigned one. */
    OptionalInt lowest() {
        TreeMap<Integer, Long> s = since;
        return s.isEmpty() ? OptionalInt.empty() : OptionalInt.of(s.firstKey());
    }

    Set<Integer> owned() {
        return Set.copyOf(since.keySet());
    }

    /** Owned here, continuously, for longer than the linger: no other instance still reads it for a waiting call. */
    boolean settled(int partition, long now) {
        Long from = since.get(partition);
        return from != null && now - from > lingerNanos;
    }
}
