package dev.sluice.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import dev.sluice.ingest.admission.AdmissionMetrics;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StandbyUpdateListener;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when admission reads its state back from the changelogs, how much and for how long. After a crash Kafka Streams
 * wipes exactly-once state that was not closed cleanly and restores it before any task runs, and the policy table is
 * rebuilt (KAFKA-21034, {@link CleanStopMark}); a backlog waits all of it out. One line when a restore begins, with the
 * records to read; one when every changelog partition begun has ended, with the records read per store, the time and
 * the rate. Restores that read nothing (a clean start) say nothing.
 *
 * <p>Counts too ({@link AdmissionMetrics}): the records restored, and those applied to the warm copies this instance
 * keeps of other instances' tasks ({@code kafka.num.standby.replicas}), which a take-over then need not read back.
 * Called from Streams' restoring threads.
 */
final class RestoreProgress implements StateRestoreListener, StandbyUpdateListener {
    private static final Logger log = LoggerFactory.getLogger(RestoreProgress.class);

    private final LongSupplier nanoTime;
    private final AdmissionMetrics metrics;
    private int restoring;
    private long toRead;
    private long startedNanos;
    private final Map<String, Long> readByStore = new TreeMap<>();
    private boolean announced;
    private String summary;

    RestoreProgress(AdmissionMetrics metrics) {
        this(metrics, System::nanoTime);
    }

    RestoreProgress(AdmissionMetrics metrics, LongSupplier nanoTime) {
        this.metrics = metrics;
        this.nanoTime = nanoTime;
    }

    @Override
    public synchronized void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        if (restoring == 0) {
            startedNanos = nanoTime.getAsLong();
            toRead = 0;
            readByStore.clear();
            announced = false;
        }
        restoring++;
        toRead += Math.max(0, endingOffset - startingOffset);
        if (!announced && toRead > 0) {
            announced = true;
            log.info("restoring admission's state from its changelogs (up to {} records so far) before its tasks run", toRead);
        }
    }

    @Override
    public synchronized void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long records) {
        readByStore.merge(store, records, Long::sum);
        metrics.restored(records);
    }

    @Override
    public synchronized void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        ended();
    }

    @Override
    public synchronized void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        ended(); // the task moved to another instance mid-restore
    }

    private void ended() {
        restoring = Math.max(0, restoring - 1);
        long read = readByStore.values().stream().mapToLong(Long::longValue).sum();
        if (restoring > 0 || read == 0) {
            return;
        }
        long ms = Math.max(1, (nanoTime.getAsLong() - startedNanos) / 1_000_000);
        summary = String.format("restored %d changelog records of admission's state in %d ms (%d a second): %s", read, ms,
                read * 1000 / ms, readByStore);
        log.info(summary);
    }

    @Override
    public void onUpdateStart(TopicPartition partition, String store, long startingOffset) {
    }

    @Override
    public void onBatchLoaded(TopicPartition partition, String store, TaskId task, long batchEndOffset, long batchSize,
                              long currentEndOffset) {
        metrics.standbyApplied(batchSize);
    }

    @Override
    public void onUpdateSuspended(TopicPartition partition, String store, long storeOffset, long currentEndOffset,
                                  SuspendReason reason) {
    }

    /** The line logged when the last restore that read anything ended; null before. */
    synchronized String lastSummary() {
        return summary;
    }
}
