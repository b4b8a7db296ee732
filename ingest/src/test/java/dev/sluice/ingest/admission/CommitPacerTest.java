package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitPacerTest {
    private static final long FRESH_WITHIN_MS = 1_000;
    private static final long FRESH_INTERVAL_MS = 20;
    /** The last-ask clock of one stream thread, shared by its tasks' pacers. */
    private final long[] thread = {Long.MIN_VALUE / 2};
    private final CommitPacer pacer = new CommitPacer(FRESH_WITHIN_MS, FRESH_INTERVAL_MS, () -> thread);

    @Test
    void shouldAskForACommitAfterATickThatSawAFreshRecord() {
        pacer.processed(1_000, 1_003);

        assertThat(pacer.commitDue(1_020)).isTrue();
    }

    @Test
    void shouldNotAskAgainUntilAnotherFreshRecordArrives() {
        pacer.processed(1_000, 1_003);
        pacer.commitDue(1_020);

        assertThat(pacer.commitDue(1_040)).isFalse();
        pacer.processed(1_045, 1_046);
        assertThat(pacer.commitDue(1_060)).isTrue();
    }

    @Test
    void shouldLeaveABacklogToTheLongInterval() {
        // Records that waited ten long intervals or longer since the broker appended them: a drain, not a waiting caller.
        pacer.processed(1_000, 1_000 + FRESH_WITHIN_MS);
        pacer.processed(1_000, 61_000);

        assertThat(pacer.commitDue(61_020)).isFalse();
    }

    @Test
    void shouldCommitEarlyWhenOneFreshRecordFollowsABacklogInTheSameTick() {
        pacer.processed(1_000, 61_000);
        pacer.processed(60_990, 61_000);

        assertThat(pacer.commitDue(61_020)).isTrue();
    }

    @Test
    void shouldTreatARecordStampedAheadOfThisClockAsFresh() {
        // The broker's clock may run ahead of this host's: a negative age is a record that just arrived.
        pacer.processed(2_000, 1_990);

        assertThat(pacer.commitDue(2_000)).isTrue();
    }

    @Test
    void shouldAskOncePerFreshIntervalPerThreadHoweverManyTasksItRuns() {
        // A commit commits every task of the thread: six tasks ticking at different phases must not ask six times.
        CommitPacer[] tasks = new CommitPacer[6];
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = new CommitPacer(FRESH_WITHIN_MS, FRESH_INTERVAL_MS, () -> thread);
        }
        int asks = 0;
        int tick = 0;
        for (long now = 1_010; now < 1_010 + 5 * FRESH_INTERVAL_MS; now += 3) { // a task ticks every 3 ms, round-robin
            CommitPacer task = tasks[tick++ % tasks.length];
            task.processed(now - 2, now - 1); // steady fresh traffic in every task
            if (task.commitDue(now)) {
                asks++;
            }
        }
        assertThat(asks).isEqualTo(5);
    }

    @Test
    void shouldLetAnotherThreadAskIndependently() {
        long[] otherThread = {Long.MIN_VALUE / 2};
        CommitPacer elsewhere = new CommitPacer(FRESH_WITHIN_MS, FRESH_INTERVAL_MS, () -> otherThread);
        pacer.processed(1_000, 1_001);
        elsewhere.processed(1_000, 1_001);

        assertThat(pacer.commitDue(1_010)).isTrue();
        assertThat(elsewhere.commitDue(1_011)).isTrue();
    }
}
