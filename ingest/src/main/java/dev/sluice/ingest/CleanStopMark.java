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
 * <p>The work-around: a clean close writes {@value #MARK} into the application's state directory. A start keeps the
 * global state only if it finds that mark, and removes it (the run is under way). Otherwise (after a crash, or with
 * state left by a build without this mark) it deletes the global state, which Kafka Streams then rebuilds from the
 * topic, as it rebuilds the tasks' stores after a crash. Call it only while the {@code KafkaStreams} client holds the
 * directory's lock (from its constructor on), so no other instance uses the directory.
 */
final class CleanStopMark {
    /** The file that says the last run closed cleanly. */
    static final String MARK = "sluice-admission-closed-cleanly";

    private final Path applicationDir;

    CleanStopMark(Path applicationDir) {
        this.applicationDir = applicationDir;
    }

    /** For the directory Kafka Streams keeps this application's state in: {@code <state.dir>/<application.id>}. */
    static CleanStopMark of(Properties streamsProperties) {
        return new CleanStopMark(Paths.get(streamsProperties.getProperty(StreamsConfig.STATE_DIR_CONFIG),
                streamsProperties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG)));
    }

    /**
     * Starts a run: unless the last run closed cleanly, deletes its global state (the policy table).
     *
     * @return whether global state was deleted
     */
    boolean startRun() {
        try {
            Path global = globalStateDir();
            boolean closedCleanly = Files.deleteIfExists(applicationDir.resolve(MARK));
            if (closedCleanly || !Files.exists(global)) {
                return false;
            }
            Utils.delete(global.toFile());
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare admission's state directory " + applicationDir + ": " + e.getMessage(), e);
        }
    }

    /** Marks the run closed cleanly: its global state is safe to reopen. */
    void endRunCleanly() {
        try {
            Files.createDirectories(applicationDir);
            Files.writeString(applicationDir.resolve(MARK), "admission closed cleanly; its policy table is kept at the next start\n");
        } catch (IOException e) {
            throw new UncheckedIOException("could not update admission's state directory " + applicationDir + ": " + e.getMessage(), e);
        }
    }

    /** Where Kafka Streams keeps global stores: {@code <state.dir>/<application.id>/global}. */
    Path globalStateDir() {
        return applicationDir.resolve("global");
    }
}
