package dev.sluice.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Admission's work-around for KAFKA-21034, open in Kafka Streams 4.3.1: after a crash, a global store that RocksDB
 * had flushed while it was open is refused under exactly-once, and the global thread dies instead of wiping and
 * rebuilding it, at every start. A supervisor's restarts then loop forever.
 *
 * <p>When does it bite? Streams marks a store open in RocksDB when it opens it and closed when it closes it. The
 * mark reaches disk only with a flush, and the global store is flushed when its memtable fills. So any crash after about
 * 16 MB of policy writes since the store was opened leaves the store marked open on disk. That is ~150,000 policies,
 * or fewer updated often. Admission's one global store is the policy table, a copy of {@code llm.user-policies}.
 *
 * <p>The work-around: each run marks the application's state directory ({@value #MARK}) before Kafka Streams starts. A
 * clean close removes the mark. A start that finds the mark deletes the global state, which Kafka Streams then
 * rebuilds from the topic, as it rebuilds the tasks' stores after a crash. Call it only while the {@code KafkaStreams}
 * client holds the directory's lock (from its constructor on), so no other instance uses the directory.
 */
final class UncleanStopMark {
    /** The file that says a run started and has not closed cleanly. */
    static final String MARK = "sluice-admission-running";

    private final Path applicationDir;

    UncleanStopMark(Path applicationDir) {
        this.applicationDir = applicationDir;
    }

    /** The directory Kafka Streams keeps this application's state in: {@code <state.dir>/<application.id>}. */
    static UncleanStopMark of(Properties streamsProperties) {
        return new UncleanStopMark(Paths.get(streamsProperties.getProperty(StreamsConfig.STATE_DIR_CONFIG),
                streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG)));
    }

    /**
     * Marks a run as started. If the last run did not close cleanly, first deletes its global state (the policy table).
     *
     * @return whether the global state was deleted
     */
    boolean startRun() {
        try {
            Path mark = applicationDir.resolve(MARK);
            Path global = globalStateDir();
            boolean deleted = Files.exists(mark) && Files.exists(global);
            if (deleted) {
                Utils.delete(global.toFile());
            }
            Files.createDirectories(applicationDir);
            if (!Files.exists(mark)) {
                Files.createFile(mark);
            }
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare admission's state directory " + applicationDir + ": " + e.getMessage(), e);
        }
    }

    /** Removes the mark: the run closed cleanly, and its global state is safe to reopen. */
    void endRunCleanly() {
        try {
            Files.deleteIfExists(applicationDir.resolve(MARK));
        } catch (IOException e) {
            throw new UncheckedIOException("could not update admission's state directory " + applicationDir + ": " + e.getMessage(), e);
        }
    }

    /** Where Kafka Streams keeps global stores: {@code <state.dir>/<application.id>/global}. */
    Path globalStateDir() {
        return applicationDir.resolve("global");
    }
}
