package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanStopMarkTest {
    @TempDir
    Path stateDir;

    @Test
    void shouldKeepThePolicyTableAcrossACleanStop() throws Exception {
        CleanStopMark mark = markIn(stateDir);
        assertThat(mark.startRun()).as("a first start finds nothing to delete").isFalse();
        Path table = policyTable(mark);
        mark.endRunCleanly();

        assertThat(mark.startRun()).as("a start after a clean close deletes nothing").isFalse();
        assertThat(table).as("the policy table kept").exists();
        assertThat(applicationDir().resolve(CleanStopMark.MARK)).as("the run under way: no longer marked clean").doesNotExist();
    }

    @Test
    void shouldDeleteThePolicyTableWhenTheLastRunDidNotCloseCleanly() throws Exception {
        CleanStopMark mark = markIn(stateDir);
        mark.startRun();
        Path table = policyTable(mark);
        // a crash: the run never ends cleanly

        assertThat(mark.startRun()).as("the start after a crash deletes the global state").isTrue();
        assertThat(mark.globalStateDir()).as("the whole global state gone, for Kafka Streams to rebuild").doesNotExist();
        assertThat(table).doesNotExist();
    }

    @Test
    void shouldDeleteThePolicyTableLeftByABuildThatWroteNoMark() throws Exception {
        CleanStopMark mark = markIn(stateDir);
        Path table = policyTable(mark); // state from before this work-around: nothing says how that run ended

        assertThat(mark.startRun()).isTrue();
        assertThat(table).doesNotExist();
    }

    @Test
    void shouldDeleteAfterACrashThatFollowedACleanRestart() throws Exception {
        CleanStopMark mark = markIn(stateDir);
        mark.startRun();
        Path table = policyTable(mark);
        mark.endRunCleanly();
        mark.startRun(); // kept, and this run then crashes

        assertThat(mark.startRun()).isTrue();
        assertThat(table).doesNotExist();
    }

    @Test
    void shouldLeaveTheTasksStateToKafkaStreams() throws Exception {
        CleanStopMark mark = markIn(stateDir);
        policyTable(mark);
        Path task = Files.createDirectories(applicationDir().resolve("1_0").resolve("rocksdb"));

        assertThat(mark.startRun()).isTrue();
        assertThat(task).as("a task's stores: Kafka Streams decides what to restore").exists();
    }

    @Test
    void shouldMarkACleanCloseEvenWhenTheStateDirectoryDoesNotExistYet() {
        CleanStopMark mark = markIn(stateDir.resolve("not-yet"));
        assertThat(mark.startRun()).isFalse();
        mark.endRunCleanly();
        assertThat(stateDir.resolve("not-yet").resolve("sluice-ingest").resolve(CleanStopMark.MARK)).exists();
    }

    private Path applicationDir() {
        return stateDir.resolve("sluice-ingest");
    }

    private static CleanStopMark markIn(Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sluice-ingest");
        return CleanStopMark.of(props);
    }

    /** A stand-in for the policy store's files where Kafka Streams keeps them. */
    private static Path policyTable(CleanStopMark mark) throws Exception {
        Path store = Files.createDirectories(mark.globalStateDir().resolve("rocksdb").resolve("admission-user-policies"));
        return Files.writeString(store.resolve("000012.sst"), "sorted run");
    }
}
