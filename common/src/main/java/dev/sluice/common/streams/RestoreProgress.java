package dev.sluice.common.streams;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * <p>Counts too: {@code <prefix>.state.restored.records}, the records restored (the global store's included, e.g.
 * admission's policy table read at a start), and {@code <prefix>.state.standby.records}, those applied to the warm copies
 * the instance keeps of other instances' tasks ({@code kafka.num.standby.replicas}), which a take-over then need not
 * read back.
 * Called from Streams' restoring threads. Set it on the client before it starts, as both its global restore listener
 * and its standby update listener.
 */
public final class RestoreProgress implements StateRestoreListener, StandbyUpdateListener {
    private static final Logger log = LoggerFactory.getLogger(RestoreProgress.class);

    private final LongSupplier nanoTime;
    private final String whose;
    private final Counter restored;
    private final Counter standbyApplied;
    private int restoring;
    private long toRead;
    private long startedNanos;
    private final Map<String, Long> readByStore = new TreeMap<>();
    private boolean announced;
    private String summary;

    /**
     * @param whose  whose state, as the log lines say it: "admission's", "analytics'"
     * @param meters where its two counters go
     * @param prefix their names' prefix: the stage's meters', e.g. {@code sluice.ingest}
     */
    public RestoreProgress(String whose, MeterRegistry meters, String prefix) {
        this(whose, meters, prefix, System::nanoTime);
    }

    RestoreProgress(String whose, MeterRegistry meters, String prefix, LongSupplier nanoTime) {
        this.whose = whose;
        this.restored = Counter.builder(prefix + ".state.restored.records")
                .description("changelog records read back into this instance's stores before their tasks ran (after a crash, or a"
                        + " task new to this instance), a global store's at a start included").register(meters);
        this.standbyApplied = Counter.builder(prefix + ".state.standby.records")
                .description("changelog records applied to this instance's standby copies of other instances' tasks").register(meters);
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
        restored.increment(records);
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
        standbyApplied.increment(batchSize);
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
