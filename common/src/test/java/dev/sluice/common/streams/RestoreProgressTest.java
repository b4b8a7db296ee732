package dev.sluice.common.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StandbyUpdateListener.SuspendReason;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {
    private final AtomicLong nanos = new AtomicLong();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RestoreProgress progress = new RestoreProgress("admission's", meters, "sluice.ingest", nanos::get);
    private final TopicPartition state0 = new TopicPartition("a-admission-user-state-changelog", 0);
    private final TopicPartition state1 = new TopicPartition("a-admission-user-state-changelog", 1);
    private final TopicPartition requests0 = new TopicPartition("a-admission-requests-changelog", 0);

    @Test
    void shouldSayOnceEveryPartitionBegunHasEndedWhatWasReadPerStoreAndHowFast() {
        progress.onRestoreStart(state0, "admission-user-state", 0, 1_000);
        progress.onRestoreStart(requests0, "admission-requests", 0, 3_000);
        progress.onBatchRestored(state0, "admission-user-state", 1_000, 1_000);
        progress.onRestoreEnd(state0, "admission-user-state", 1_000);
        progress.onRestoreStart(state1, "admission-user-state", 10, 510);
        progress.onBatchRestored(requests0, "admission-requests", 2_000, 2_000);
        progress.onBatchRestored(state1, "admission-user-state", 510, 500);
        progress.onRestoreEnd(state1, "admission-user-state", 500);

        assertThat(progress.lastSummary()).as("one partition still restoring").isNull();

        nanos.set(2_000_000_000L);
        progress.onBatchRestored(requests0, "admission-requests", 3_000, 1_000);
        progress.onRestoreEnd(requests0, "admission-requests", 3_000);

        assertThat(progress.lastSummary()).isEqualTo("restored 4500 changelog records of admission's state in 2000 ms"
                + " (2250 a second): {admission-requests=3000, admission-user-state=1500}");
        assertThat(meters.get("sluice.ingest.state.restored.records").counter().count()).isEqualTo(4500);
        assertThat(meters.get("sluice.ingest.state.standby.records").counter().count()).isZero();
    }

    @Test
    void shouldCountWhatItsStandbyCopiesApplyApartFromWhatItRestores() {
        progress.onUpdateStart(state0, "admission-user-state", 0);
        progress.onBatchLoaded(state0, "admission-user-state", new TaskId(1, 0), 700, 700, 800);
        progress.onBatchLoaded(state0, "admission-user-state", new TaskId(1, 0), 800, 100, 800);
        progress.onUpdateSuspended(state0, "admission-user-state", 800, 810, SuspendReason.PROMOTED);
        progress.onRestoreStart(state0, "admission-user-state", 800, 810); // promoted: reads only what the copy lacked
        progress.onBatchRestored(state0, "admission-user-state", 810, 10);
        progress.onRestoreEnd(state0, "admission-user-state", 10);

        assertThat(meters.get("sluice.ingest.state.standby.records").counter().count()).isEqualTo(800);
        assertThat(meters.get("sluice.ingest.state.restored.records").counter().count()).isEqualTo(10);
    }

    @Test
    void shouldCountARestoreCutShortByATaskMovingAway() {
        progress.onRestoreStart(state0, "admission-user-state", 0, 1_000);
        progress.onBatchRestored(state0, "admission-user-state", 400, 400);
        nanos.set(1_000_000_000L);
        progress.onRestoreSuspended(state0, "admission-user-state", 400);

        assertThat(progress.lastSummary()).startsWith("restored 400 changelog records of admission's state in 1000 ms");
    }

    @Test
    void shouldSayNothingOfARestoreThatReadNothingAndStartAfreshAtTheNext() {
        progress.onRestoreStart(state0, "admission-user-state", 50, 50); // a clean start: the store is at its changelog's end
        progress.onRestoreEnd(state0, "admission-user-state", 0);
        assertThat(progress.lastSummary()).isNull();

        nanos.set(5_000_000_000L);
        progress.onRestoreStart(state1, "admission-user-state", 0, 10);
        progress.onBatchRestored(state1, "admission-user-state", 10, 10);
        nanos.set(5_010_000_000L);
        progress.onRestoreEnd(state1, "admission-user-state", 10);

        assertThat(progress.lastSummary()).as("timed from its own start, not the first restore's")
                .isEqualTo("restored 10 changelog records of admission's state in 10 ms (1000 a second): {admission-user-state=10}");
    }
}
