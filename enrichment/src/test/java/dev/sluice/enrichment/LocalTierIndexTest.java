package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LocalTierIndexTest {
    private final LocalTierIndex index = new LocalTierIndex(100);

    @Test
    void shouldKnowAKeyFromItsAddUntilItsRemove() {
        String key = CacheKeys.of("m", "hello");
        assertThat(index.known(key)).isFalse();

        index.add(key);
        assertThat(index.known(new String(key))).isTrue();

        index.remove(key);
        assertThat(index.known(key)).isFalse();
    }

    @Test
    void shouldNeverTakeOneKeyForAnotherWhenManyShareTheTable() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            keys.add(CacheKeys.of("m", "text " + i));
        }
        keys.subList(0, 2_500).forEach(index::add);

        // a key pushed out of its slot by another is only not known (the cache is looked at), never wrongly known
        assertThat(keys.subList(2_500, 5_000)).noneMatch(index::known);
        assertThat(keys.subList(0, 2_500).stream().filter(index::known).count()).as("most of the 256 slots").isGreaterThan(200);
    }

    @Test
    void shouldLeaveAnotherKeysSlotAloneWhenRemovingAKeyThatLostIt() {
        // 256 slots for 100 entries: among 2,000 keys two share a slot
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            keys.add(CacheKeys.of("m", "t" + i));
        }
        String first = keys.get(0);
        index.add(first);
        String rival = keys.stream().skip(1).filter(k -> {
            index.add(k);
            boolean tookTheSlot = !index.known(first);
            if (!tookTheSlot) {
                index.remove(k);
            }
            return tookTheSlot;
        }).findFirst().orElseThrow();

        index.remove(first);

        assertThat(index.known(rival)).isTrue();
    }

    @Test
    void shouldNeverGiveAFingerprintThatMarksAnEmptySlot() {
        assertThat(LocalTierIndex.fingerprint("")).isNotZero();
        assertThat(LocalTierIndex.fingerprint("\u0000")).isNotZero();
    }
}
