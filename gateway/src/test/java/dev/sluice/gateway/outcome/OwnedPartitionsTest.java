package dev.sluice.gateway.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class OwnedPartitionsTest {
    private static final long LINGER = 1_000;

    @Test
    void shouldNameTheLowestOwnedPartitionAndNoneBeforeAnAssignment() {
        OwnedPartitions owned = new OwnedPartitions(LINGER);
        assertThat(owned.lowest()).isEmpty();

        owned.update(List.of(7, 3, 11), 0);

        assertThat(owned.lowest()).hasValue(3);
        assertThat(owned.owned()).containsExactlyInAnyOrder(3, 7, 11);
    }

    @Test
    void shouldSettleAPartitionOnlyAfterItWasOwnedForLongerThanTheLinger() {
        OwnedPartitions owned = new OwnedPartitions(LINGER);
        owned.update(List.of(3), 100);

        assertThat(owned.settled(3, 100 + LINGER)).as("exactly the linger: a previous owner may still read it").isFalse();
        assertThat(owned.settled(3, 101 + LINGER)).isTrue();
        assertThat(owned.settled(4, 10 * LINGER)).as("not owned").isFalse();
    }

    @Test
    void shouldKeepTheTimeOfAPartitionKeptAcrossARebalanceAndStartANewOneNow() {
        OwnedPartitions owned = new OwnedPartitions(LINGER);
        owned.update(List.of(3), 0);

        owned.update(List.of(3, 5), 900);

        assertThat(owned.settled(3, 1_001)).isTrue();
        assertThat(owned.settled(5, 1_001)).isFalse();
        assertThat(owned.settled(5, 1_901)).isTrue();
    }

    @Test
    void shouldRestartTheClockOfAPartitionThatLeftAndCameBack() {
        OwnedPartitions owned = new OwnedPartitions(LINGER);
        owned.update(List.of(3), 0);
        owned.update(List.of(), 5_000);
        assertThat(owned.settled(3, 5_000)).as("moved away").isFalse();

        owned.update(List.of(3), 6_000);

        // Calls made on the other instance while it owned the partition may still wait on it.
        assertThat(owned.settled(3, 6_500)).isFalse();
        assertThat(owned.settled(3, 7_001)).isTrue();
    }
}
