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
}
