package dev.sluice.gateway.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitCadenceTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldCommitAtMostOncePerIntervalWhileOutcomesFlow() {
        CommitCadence cadence = new CommitCadence(100 * MS, 0);
        assertThat(cadence.due(true, 0)).as("first outcomes").isTrue();
        assertThat(cadence.due(true, 40 * MS)).isFalse();
        assertThat(cadence.due(true, 99 * MS)).isFalse();
        assertThat(cadence.due(true, 100 * MS)).isTrue();
        assertThat(cadence.due(true, 150 * MS)).isFalse();
    }

    @Test
    void shouldCommitTheLastOutcomesOnAQuietPollOnceTheIntervalIsUp() {
        CommitCadence cadence = new CommitCadence(100 * MS, 0);
        assertThat(cadence.due(true, 0)).isTrue();
        assertThat(cadence.due(true, 30 * MS)).as("copied, not yet committed").isFalse();
        assertThat(cadence.due(false, 60 * MS)).isFalse();
        assertThat(cadence.due(false, 130 * MS)).as("quiet poll commits what was left").isTrue();
        assertThat(cadence.due(false, 400 * MS)).as("nothing new to commit").isFalse();
    }
}
