package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitPacerTest {
    private static final long LONG_INTERVAL_MS = 100;
    private final CommitPacer pacer = new CommitPacer(LONG_INTERVAL_MS);

    @Test
    void shouldAskForACommitAfterATickThatSawAFreshRecord() {
        pacer.processed(1_000, 1_003);

        assertThat(pacer.commitDue()).isTrue();
    }

    @Test
    void shouldNotAskAgainUntilAnotherFreshRecordArrives() {
        pacer.processed(1_000, 1_003);
        pacer.commitDue();

        assertThat(pacer.commitDue()).isFalse();
        pacer.processed(1_020, 1_021);
        assertThat(pacer.commitDue()).isTrue();
    }

    @Test
    void shouldLeaveABacklogToTheLongInterval() {
        // Records that waited the long interval or longer since the broker appended them: a drain, not a waiting caller.
        pacer.processed(1_000, 1_000 + LONG_INTERVAL_MS);
        pacer.processed(1_000, 61_000);

        assertThat(pacer.commitDue()).isFalse();
    }

    @Test
    void shouldCommitEarlyWhenOneFreshRecordFollowsABacklogInTheSameTick() {
        pacer.processed(1_000, 61_000);
        pacer.processed(60_990, 61_000);

        assertThat(pacer.commitDue()).isTrue();
    }

    @Test
    void shouldTreatARecordStampedAheadOfThisClockAsFresh() {
        // The broker's clock may run ahead of this host's: a negative age is a record that just arrived.
        pacer.processed(2_000, 1_990);

        assertThat(pacer.commitDue()).isTrue();
    }
}
