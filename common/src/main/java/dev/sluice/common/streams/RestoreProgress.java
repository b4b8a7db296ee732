package dev.sluice.common.streams;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StandbyUpdateListener;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when a Kafka Streams stage (admission, analytics) reads its state back from the changelogs, how much and for how
 * long. After a crash Kafka Streams wipes exactly-once state that was not closed cleanly and restores it before any task
 * runs (admission also rebuilds its policy table: KAFKA-21034); a backlog waits all of it out. One line when a restore
 * begins, with the records to read; one when every changelog partition begun has ended, with the records read per
 * store, the time and the rate. Restores that read nothing (a clean start) say nothing.
 *
 * <p>Counts too, through the stage's meters: the records restored, and those applied to the warm copies the instance
 * keeps of other instances' tasks ({@code kafka.num.standby.replicas}), which a take-over then need not read back.
 * Called from Streams' restoring threads. Set it on the client before it starts, as both its global restore listener
 * and its standby update listener.
 */
public final class RestoreProgress implements StateRestoreListener, StandbyUpdateListener {
    private static final Logger log = LoggerFactory.getLogger(RestoreProgress.class);

    private final LongSupplier nanoTime;
    private final String whose;
    private final LongConsumer restored;
    private final LongConsumer standbyApplied;
    private int restoring;
    private long toRead;
    private long startedNanos;
    private final Map<String, Long> readByStore = new TreeMap<>();
    private boolean announced;
    private String summary;

    /**
     * @param whose          whose state, as the log lines say it: "admission's", "analytics'"
     * @param restored       told the records of each batch restored
     * @param standbyApplied told the records of each batch applied to a standby copy
     */
    public RestoreProgress(String whose, LongConsumer restored, LongConsumer standbyApplied) {
        this(whose, restored, standbyApplied, System::nanoTime);
    }

    RestoreProgress(String whose, LongConsumer restored, LongConsumer standbyApplied, LongSupplier nanoTime) {
        this.whose = whose;
        this.restored = restored;
        this.standbyApplied = standbyApplied;
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
            log.info("restoring {} state from its changelogs (up to {} records so far) before its tasks run", whose, toRead);
        }
    }

    @Override
    public synchronized void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long records) {
        readByStore.merge(store, records, Long::sum);
        restored.accept(records);
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
        summary = String.format("restored %d changelog records of %s state in %d ms (%d a second): %s", read, whose, ms,
                read * 1000 / ms, readByStore);
        log.info(summary);
    }

    @Override
    public void onUpdateStart(TopicPartition partition, String store, long startingOffset) {
    }

    @Override
    public void onBatchLoaded(TopicPartition partition, String store, TaskId task, long batchEndOffset, long batchSize,
                              long currentEndOffset) {
        standbyApplied.accept(batchSize);
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
