package dev.sluice.enrichment.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The behaviour every {@link EmbeddingCache} backend must have; run against in-memory and real Redis. */
public abstract class EmbeddingCacheContract {
    protected abstract EmbeddingCache cache();

    /** Lets {@code d} pass for the backend's expiry (a fake clock advances; real Redis just waits). */
    protected abstract void passTime(Duration d);

    private static String key(String name) {
        return "emb:contract-" + name + "-" + System.nanoTime();
    }

    @Test
    void shouldReturnValuesInKeyOrderWithNullForAbsentKeys() {
        String a = key("a"), b = key("b"), absent = key("absent");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(a, new byte[] {1, 2, 3, 4});
        entries.put(b, new byte[] {5, 6, 7, 8});
        cache().putAll(entries, Duration.ofMinutes(5));

        List<byte[]> values = cache().getAll(List.of(b, absent, a));

        assertThat(values).hasSize(3);
        assertThat(values.get(0)).containsExactly(5, 6, 7, 8);
        assertThat(values.get(1)).isNull();
        assertThat(values.get(2)).containsExactly(1, 2, 3, 4);
    }

    @Test
    void shouldSetTheTimeToLiveWhenStoring() {
        String k = key("ttl");
        cache().putAll(Map.of(k, new byte[] {1, 0, 0, 0}), Duration.ofDays(7));
        assertThat(cache().ttlMillis(k)).isBetween(Duration.ofDays(7).minusMinutes(1).toMillis(), Duration.ofDays(7).toMillis());
        assertThat(cache().ttlMillis(key("never-stored"))).isEqualTo(-2);
    }

    @Test
    void shouldForgetEntriesWhenTheirTimeToLiveHasPassed() {
        String k = key("expiring");
        cache().putAll(Map.of(k, new byte[] {9, 9, 9, 9}), Duration.ofMillis(300));
        passTime(Duration.ofMillis(301));
        await().atMost(Duration.ofSeconds(10)).until(() -> cache().getAll(List.of(k)).get(0) == null);
    }

    @Test
    void shouldOverwriteAndStoreBinaryValuesUnchanged() {
        String k = key("binary");
        byte[] all = new byte[256 * 4];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        cache().putAll(Map.of(k, new byte[] {0, 0, 0, 0}), Duration.ofMinutes(1));
        cache().putAll(Map.of(k, all), Duration.ofMinutes(1));
        assertThat(Arrays.equals(cache().getAll(List.of(k)).get(0), all)).isTrue();
    }

    @Test
    void shouldKeepKeysThatDifferOnlyInNonAsciiCharactersApart() {
        // the same letters composed and decomposed, a character outside the BMP, a two-byte one: each its own entry
        String composed = key("\u00e9"), decomposed = key("e\u0301"), emoji = key("\ud83d\ude00"), latin = key("\u00df");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(composed, new byte[] {1, 0, 0, 0});
        entries.put(decomposed, new byte[] {2, 0, 0, 0});
        entries.put(emoji, new byte[] {3, 0, 0, 0, 4, 0, 0, 0});
        entries.put(latin, new byte[] {5, 0, 0, 0});
        cache().putAll(entries, Duration.ofMinutes(1));
        List<byte[]> found = cache().getAll(List.of(latin, emoji, key("\u00e9-absent"), decomposed, composed));
        assertThat(found.get(0)).containsExactly(5, 0, 0, 0);
        assertThat(found.get(1)).containsExactly(3, 0, 0, 0, 4, 0, 0, 0);
        assertThat(found.get(2)).isNull();
        assertThat(found.get(3)).containsExactly(2, 0, 0, 0);
        assertThat(found.get(4)).containsExactly(1, 0, 0, 0);
        assertThat(cache().ttlMillis(emoji)).isPositive();
    }

    @Test
    void shouldAnswerLookupsSentBeforeAnyIsAwaitedEachWithItsOwnValuesInOrder() {
        String a = key("a"), b = key("b"), c = key("c"), absent = key("absent");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(a, new byte[] {1, 1, 1, 1});
        entries.put(b, new byte[] {2, 2, 2, 2});
        entries.put(c, new byte[] {3, 3, 3, 3});
        cache().putAll(entries, Duration.ofMinutes(5));

        EmbeddingCache.Pending first = cache().getAllLater(List.of(c, absent));
        EmbeddingCache.Pending second = cache().getAllLater(List.of(a));
        EmbeddingCache.Pending third = cache().getAllLater(List.of(b, c));

        List<byte[]> thirdValues = third.await(); // awaited out of order
        List<byte[]> firstValues = first.await();
        assertThat(firstValues).hasSize(2);
        assertThat(firstValues.get(0)).containsExactly(3, 3, 3, 3);
        assertThat(firstValues.get(1)).isNull();
        assertThat(second.await()).singleElement().satisfies(v -> assertThat(v).containsExactly(1, 1, 1, 1));
        assertThat(thirdValues).hasSize(2);
        assertThat(thirdValues.get(0)).containsExactly(2, 2, 2, 2);
        assertThat(thirdValues.get(1)).containsExactly(3, 3, 3, 3);
    }

    @Test
    void shouldDoNothingWhenGivenNoKeys() {
        assertThat(cache().getAll(List.of())).isEmpty();
        assertThat(cache().getAllLater(List.of()).await()).isEmpty();
        cache().putAll(Map.of(), Duration.ofMinutes(1));
    }
}
