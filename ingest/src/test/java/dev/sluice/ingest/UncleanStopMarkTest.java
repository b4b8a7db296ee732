package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UncleanStopMarkTest {
    @TempDir
    Path stateDir;

    @Test
    void shouldKeepThePolicyTableAcrossACleanStop() throws Exception {
        UncleanStopMark mark = markIn(stateDir);
        assertThat(mark.startRun()).as("a first start finds nothing to delete").isFalse();
        Path table = policyTable(mark);
        mark.endRunCleanly();

        assertThat(mark.startRun()).as("a start after a clean close deletes nothing").isFalse();
        assertThat(table).as("the policy table kept").exists();
    }

    @Test
    void shouldDeleteThePolicyTableWhenTheLastRunDidNotCloseCleanly() throws Exception {
        UncleanStopMark mark = markIn(stateDir);
        mark.startRun();
        Path table = policyTable(mark);
        // a crash: the run never ends cleanly

        assertThat(mark.startRun()).as("the start after a crash deletes the global state").isTrue();
        assertThat(mark.globalStateDir()).as("the whole global state gone, for Kafka Streams to rebuild").doesNotExist();
        assertThat(table).doesNotExist();
        assertThat(stateDir.resolve("sluice-ingest").resolve(UncleanStopMark.MARK)).as("the new run marked").exists();
    }

    @Test
    void shouldLeaveTheTasksStateToKafkaStreams() throws Exception {
        UncleanStopMark mark = markIn(stateDir);
        mark.startRun();
        Path task = Files.createDirectories(stateDir.resolve("sluice-ingest").resolve("1_0").resolve("rocksdb"));

        mark.startRun();
        assertThat(task).as("a task's stores: Kafka Streams decides what to restore").exists();
    }

    @Test
    void shouldMarkARunEvenWhenTheStateDirectoryDoesNotExistYet() {
        UncleanStopMark mark = markIn(stateDir.resolve("not-yet"));
        assertThat(mark.startRun()).isFalse();
        assertThat(stateDir.resolve("not-yet").resolve("sluice-ingest").resolve(UncleanStopMark.MARK)).exists();
    }

    private static UncleanStopMark markIn(Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sluice-ingest");
        return UncleanStopMark.of(props);
    }

    /** A stand-in for the policy store's files where Kafka Streams keeps them. */
    private static Path policyTable(UncleanStopMark mark) throws Exception {
        Path store = Files.createDirectories(mark.globalStateDir().resolve("rocksdb").resolve("admission-user-policies"));
        return Files.writeString(store.resolve("000012.sst"), "sorted run");
    }
}
