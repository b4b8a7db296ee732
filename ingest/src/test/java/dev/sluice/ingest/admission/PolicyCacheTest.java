package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.rules.Policies;
import dev.sluice.schema.UserPolicy;
import org.junit.jupiter.api.Test;

/** The policies in front of the store: read once per user, read again after any write to the store, bounded. */
class PolicyCacheTest {
    private final Map<String, UserPolicy> store = new HashMap<>();
    private final List<String> reads = new ArrayList<>();
    private final Function<String, UserPolicy> reading = user -> {
        reads.add(user);
        return store.get(user);
    };
    private final PolicyCache.Changes changes = new PolicyCache.Changes();
    private final Policies policies = new Policies(IngestConfig.from(SluiceConfig.of(Map.of())));

    private static UserPolicy policy(String user, String tier, Long budget) {
        return UserPolicy.newBuilder().setUserId(user).setTier(tier).setDailyBudgetMicros(budget).setUpdatedAt(Instant.EPOCH).build();
    }

    @Test
    void shouldReadTheStoreOncePerUserWhileNothingChanges() {
        store.put("ada", policy("ada", "PRO", 7L));
        PolicyCache cache = new PolicyCache(reading, policies, changes, 10);

        for (int i = 0; i < 3; i++) {
            assertThat(cache.resolve("ada").tier()).isEqualTo("PRO");
            assertThat(cache.resolve("ada").limits().dailyBudgetMicros()).isEqualTo(7L);
            assertThat(cache.resolve("bob").tier()).isEqualTo("FREE"); // no policy: the default tier, kept as well
        }
        assertThat(reads).containsExactly("ada", "bob");
    }

    @Test
    void shouldReadAgainAfterAnyWriteToTheStore() {
        store.put("ada", policy("ada", "PRO", null));
        PolicyCache cache = new PolicyCache(reading, policies, changes, 10);
        assertThat(cache.resolve("ada").tier()).isEqualTo("PRO");
        assertThat(cache.resolve("bob").tier()).isEqualTo("FREE");

        store.put("bob", policy("bob", "STARTER", null)); // as PolicyStoreUpdater does: write, then count the change
        changes.changed();
        assertThat(cache.resolve("bob").tier()).isEqualTo("STARTER");

        store.remove("ada"); // a tombstone
        changes.changed();
        assertThat(cache.resolve("ada").tier()).isEqualTo("FREE");
        assertThat(reads).containsExactly("ada", "bob", "bob", "ada");
    }

    @Test
    void shouldKeepAtMostItsEntriesAndStillAnswerEveryUser() {
        for (String user : List.of("a", "b", "c")) {
            store.put(user, policy(user, "PRO", (long) user.charAt(0)));
        }
        PolicyCache cache = new PolicyCache(reading, policies, changes, 2);

        for (String user : List.of("a", "b", "a", "c", "b", "a")) {
            assertThat(cache.resolve(user).limits().dailyBudgetMicros()).isEqualTo((long) user.charAt(0));
        }
        // a, b read; a kept (recently used); c pushes out b; b pushes out a
        assertThat(reads).containsExactly("a", "b", "c", "b", "a");
    }

    @Test
    void shouldReadTheStoreForEveryRequestWhenItKeepsNoUsers() {
        store.put("ada", policy("ada", "PRO", 7L));
        PolicyCache cache = new PolicyCache(reading, policies, changes, 0);

        for (int i = 0; i < 3; i++) {
            assertThat(cache.resolve("ada").limits().dailyBudgetMicros()).isEqualTo(7L);
        }
        assertThat(reads).containsExactly("ada", "ada", "ada");
    }

    @Test
    void shouldShareTheTiersLimitsAmongUsersThatOverrideNothing() {
        store.put("ada", policy("ada", "PRO", null));
        store.put("bob", policy("bob", "PRO", null));
        store.put("eve", policy("eve", "PRO", 7L));
        PolicyCache cache = new PolicyCache(reading, policies, changes, 10);

        // what a cache of 100,000 users per task holds is one entry per user, not one copy of the limits each
        assertThat(cache.resolve("ada")).isSameAs(cache.resolve("bob"));
        assertThat(cache.resolve("carl")).as("no policy: the default tier's").isSameAs(cache.resolve("dora"));
        assertThat(cache.resolve("eve")).isNotSameAs(cache.resolve("ada"));
        assertThat(cache.resolve("eve").limits().dailyBudgetMicros()).isEqualTo(7L);
        assertThat(cache.resolve("eve").limits().requestsPerDay()).isEqualTo(cache.resolve("ada").limits().requestsPerDay());
    }
}
