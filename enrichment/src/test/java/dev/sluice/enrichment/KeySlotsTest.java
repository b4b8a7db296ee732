package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class KeySlotsTest {
    @Test
    void shouldGiveEachDistinctKeyItsFirstSeenSlotWhenKeysRepeat() {
        KeySlots slots = new KeySlots(5);

        assertThat(List.of(slots.slotOf("a"), slots.slotOf("b"), slots.slotOf("a"), slots.slotOf(new String("b")), slots.slotOf("c")))
                .containsExactly(0, 1, 0, 1, 2);
        assertThat(slots.keys()).containsExactly("a", "b", "c");
    }

    @Test
    void shouldKeepKeysApartWhenTheirHashCodesCollide() {
        // "Aa" and "BB" have the same String.hashCode, and so do all 2^4 concatenations of four of them
        List<String> colliding = new ArrayList<>();
        for (int bits = 0; bits < 16; bits++) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                s.append((bits >> i & 1) == 0 ? "Aa" : "BB");
            }
            colliding.add(s.toString());
        }
        assertThat(colliding.stream().mapToInt(String::hashCode).distinct()).hasSize(1);
        KeySlots slots = new KeySlots(32);

        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < colliding.size(); i++) {
                assertThat(slots.slotOf(colliding.get(i))).isEqualTo(i);
            }
        }
        assertThat(slots.keys()).containsExactlyElementsOf(colliding);
    }

    @Test
    void shouldAgreeWithAFirstSeenMapWhenBatchesAreRandom() {
        Random random = new Random(11);
        for (int batch = 0; batch < 500; batch++) {
            int size = 1 + random.nextInt(600);
            KeySlots slots = new KeySlots(size);
            Map<String, Integer> reference = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                String key = CacheKeys.PREFIX + random.nextInt(1 + random.nextInt(size));
                Integer expected = reference.computeIfAbsent(key, k -> reference.size());
                assertThat(slots.slotOf(key)).isEqualTo(expected);
            }
            assertThat(slots.keys()).containsExactlyElementsOf(reference.keySet());
        }
    }
}
