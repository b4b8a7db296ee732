package dev.sluice.ingest.admission;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.Map;

import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.rules.Policies;
import dev.sluice.schema.UserPolicy;
import org.junit.jupiter.api.Test;

/**
 * What a user kept in {@link PolicyCache} costs on the heap (what {@code ingest.policy.cache.users} trades): fills a
 * cache with {@code bench.policy.users} users (default 100,000, the default size) and prints the heap it holds per user,
 * measured after full collections, for user ids of 12 and 36 bytes, with and without a policy of their own that
 * overrides a limit. The user id strings are counted: a kept user's id is held by the cache alone once its request is
 * gone. {@code -Pbench}.
 */
class PolicyCacheFootprintBenchmark {
    private static final int USERS = Integer.getInteger("bench.policy.users", IngestConfig.DEFAULT_POLICY_CACHE_USERS);

    @Test
    void printTheHeapAUserKeptCosts() {
        Policies policies = new Policies(IngestConfig.from(SluiceConfig.of(Map.of())));
        System.out.printf("%n=== PolicyCacheFootprintBenchmark: %,d users kept ===%n", USERS);
        for (int idBytes : new int[] {12, 36}) {
            for (boolean override : new boolean[] {false, true}) {
                UserPolicy own = override ? UserPolicy.newBuilder().setUserId("x").setTier("PRO").setDailyBudgetMicros(7L)
                        .setUpdatedAt(Instant.EPOCH).build() : null;
                System.out.printf("user id %d bytes, %-34s %6.1f B per user kept%n", idBytes,
                        override ? "a policy overriding a limit:" : "no policy or one overriding nothing:",
                        bytesPerUser(policies, idBytes, own));
            }
        }
    }

    private static double bytesPerUser(Policies policies, int idBytes, UserPolicy own) {
        long before = usedAfterGc();
        PolicyCache cache = new PolicyCache(user -> own, policies, new PolicyCache.Changes(), USERS);
        for (int u = 0; u < USERS; u++) {
            String id = String.format("%0" + idBytes + "d", u); // a new String per user, as each request decodes its own
            cache.resolve(id);
        }
        long after = usedAfterGc();
        Reference.reachabilityFence(cache); // measured while it holds its users
        return (after - before) / (double) USERS;
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
