package dev.sluice.ingest.admission;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import dev.sluice.ingest.rules.Policies;
import dev.sluice.schema.UserPolicy;

/**
 * The limits in force for a user, resolved from the global policy store and kept for the next request. Reading the
 * store costs a RocksDB lookup and an Avro decode per request (7.8 % of a warm stream thread as deployed,
 * docs/performance-history.md, "Ninth pass"; 13 % with more users per task than the cache held, "Twentieth pass");
 * policies change rarely. One per task, used on its stream thread only; at most {@code ingest.policy.cache.users}
 * users, least recently used first out.
 *
 * <p>Never staler than the store: every write to the store ({@link PolicyStoreUpdater}, on the global thread) counts
 * one {@link Changes change} after it wrote, and a lookup reads the count before it reads the store, so a count that
 * moved since the entries were read empties them all. An entry read before a write either was read before the count
 * moved (and is dropped at the next lookup) or already holds the written value. A lookup that meets a write in
 * progress answers as the store did just before it, as a read of the store itself could.
 */
final class PolicyCache {
    private final Function<String, UserPolicy> store;
    private final Policies policies;
    private final Changes changes;
    private final Map<String, Policies.Resolved> resolved;
    private long seen;

    /** @param store reads the user's policy from the global policy store (null: none) */
    PolicyCache(Function<String, UserPolicy> store, Policies policies, Changes changes, int entries) {
        this.store = store;
        this.policies = policies;
        this.changes = changes;
        this.resolved = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Policies.Resolved> eldest) {
                return size() > entries;
            }
        };
        this.seen = changes.count();
    }

    /** The tier and limits in force for {@code userId}. */
    Policies.Resolved resolve(String userId) {
        long count = changes.count();
        if (count != seen) {
            resolved.clear();
            seen = count;
        }
        Policies.Resolved r = resolved.get(userId);
        if (r == null) {
            r = policies.resolve(store.apply(userId));
            resolved.put(userId, r);
        }
        return r;
    }

    /** Counts the writes to the policy store: shared by its updater and every task's cache of one topology. */
    static final class Changes {
        private final AtomicLong count = new AtomicLong();

        /** Called after each write to the store. */
        void changed() {
            count.incrementAndGet();
        }

        long count() {
            return count.get();
        }
    }
}
