package dev.sluice.generation.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LedgerIndexTest {
    @Test
    void shouldRememberEveryAddedHashAcrossGrowthAndNothingElse() {
        LedgerIndex index = new LedgerIndex();
        for (int i = 0; i < 50_000; i++) {
            assertThat(index.add(RequestHash.of("5:alice:" + i))).isTrue();
        }
        assertThat(index.add(RequestHash.of("5:alice:7"))).as("already there").isFalse();
        assertThat(index.size()).isEqualTo(50_000);
        for (int i = 0; i < 50_000; i++) {
            assertThat(index.contains(RequestHash.of("5:alice:" + i))).isTrue();
        }
        assertThat(index.contains(RequestHash.of("3:bob:7"))).isFalse();
        assertThat(index.contains(new RequestHash(0, 0))).isFalse();
        assertThat(index.add(new RequestHash(0, 0))).isTrue();
        assertThat(index.contains(new RequestHash(0, 0))).isTrue();
    }

    @Test
    void shouldKeepBetweenThreeEighthsAndThreeQuartersOfItsSlotsFullOnceGrown() {
        LedgerIndex index = new LedgerIndex();
        for (int i = 0; i < 1_000_000; i++) {
            index.add(RequestHash.of("2:carol:" + i));
            if (index.size() > 1024) { // past the first table's size: every table since was grown into
                assertThat(index.size() * 4L).as("at most three quarters full, at %d", index.size()).isLessThanOrEqualTo(index.capacity() * 3L);
                assertThat(index.size() * 8L).as("more than three eighths full right after a growth, at %d", index.size())
                        .isGreaterThan(index.capacity() * 3L);
            }
        }
        System.out.printf("ledger index: %,d hashes in %,d slots, %.1f bytes each%n", index.size(), index.capacity(),
                16.0 * index.capacity() / index.size());
    }
}
