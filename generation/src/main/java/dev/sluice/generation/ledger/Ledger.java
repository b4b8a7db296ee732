package dev.sluice.generation.ledger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which requests of the assigned partitions were already answered (loaded from the ledger topic, plus what this
 * instance committed since) or are being answered now. The authority on "do not call again": Redis is only a
 * cache. A partition is {@link #ready} only once its ledger was read to the end; until then the loop holds its
 * records. Loop thread only.
 */
public final class Ledger {
    private static final Logger log = LoggerFactory.getLogger(Ledger.class);

    /** What the ledger says about a request. */
    public enum Verdict { NEW, ANSWERED, IN_PROGRESS }

    private final LedgerLoader loader;
    private final Map<Integer, LedgerIndex> answered = new HashMap<>();
    private final Map<Integer, Set<RequestHash>> inProgress = new HashMap<>();
    private final Set<Integer> unloaded = new HashSet<>();
    private boolean loadFailing;

    /**
     * The longest a load reads in one go: the loop polls, commits and heartbeats between slices, so the partitions that
     * are ready go on while a large ledger loads.
     */
    static final Duration LOAD_SLICE = Duration.ofMillis(250);

    public Ledger(LedgerLoader loader) {
        this.loader = loader;
    }

    public void assigned(Collection<Integer> partitions) {
        unloaded.addAll(partitions);
    }

    public void revoked(Collection<Integer> partitions) {
        loader.forget(partitions);
        partitions.forEach(p -> {
            unloaded.remove(p);
            answered.remove(p);
            inProgress.remove(p);
        });
    }

    public boolean ready(int partition) {
        return answered.containsKey(partition) && !unloaded.contains(partition);
    }

    /**
     * Reads the ledger of the assigned partitions not loaded yet for one slice ({@link #LOAD_SLICE}), going on from
     * the last; returns those now ready (none while the ledger is unreadable: {@link #loadFailing}).
     */
    public Set<Integer> loadPending() {
        if (unloaded.isEmpty()) {
            loadFailing = false;
            return Set.of();
        }
        try {
            Map<Integer, LedgerIndex> loaded = loader.load(Set.copyOf(unloaded), LOAD_SLICE);
            loadFailing = false;
            loaded.forEach((p, index) -> {
                answered.put(p, index);
                inProgress.put(p, new HashSet<>());
            });
            unloaded.removeAll(loaded.keySet());
            return loaded.keySet();
        } catch (LedgerUnavailableException e) {
            loadFailing = true;
            log.warn("{}; their requests wait", e.getMessage());
            return Set.of();
        }
    }

    /** The last load could not read the ledger: wait a moment before the next. */
    public boolean loadFailing() {
        return loadFailing;
    }

    /** Decides a polled request and, when it is {@link Verdict#NEW}, marks it in progress. */
    public Verdict admit(int partition, RequestHash hash) {
        if (answered.get(partition).contains(hash)) {
            return Verdict.ANSWERED;
        }
        return inProgress.get(partition).add(hash) ? Verdict.NEW : Verdict.IN_PROGRESS;
    }

    /** After the transaction of an admitted request committed: answered (a result was published) or not. */
    public void committed(int partition, RequestHash hash, boolean wasAnswered) {
        Set<RequestHash> running = inProgress.get(partition);
        if (running == null) {
            return; // revoked meanwhile
        }
        running.remove(hash);
        if (wasAnswered) {
            answered.get(partition).add(hash);
        }
    }

    /** Answered requests held in memory (all assigned partitions). */
    public long entries() {
        return answered.values().stream().mapToLong(LedgerIndex::size).sum();
    }

    public void close() {
        loader.close();
    }
}
