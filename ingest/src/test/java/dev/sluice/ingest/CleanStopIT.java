package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The clean-stop mark on a real broker ({@link CleanStopMark}, the KAFKA-21034 work-around): a stage that closes while
 * healthy marks its state directory, so the next start keeps its policy table; a stage whose Streams client failed
 * does not, so the next start rebuilds the table instead of reopening a store the failure may have left open.
 */
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class CleanStopIT {

    @Test
    void shouldMarkAHealthyCloseCleanAndNotACloseAfterTheClientFailed(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "clean-stop", Map.of())) {
            IngestStage healthy = cluster.startInstance();
            cluster.awaitAllRunning();
            healthy.close();
            assertThat(mark(cluster, 0)).as("a healthy close marks its state directory").exists();

            IngestStage failing = cluster.startInstance();
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200)).until(() -> failing.health().ready());
            assertThat(mark(cluster, 1)).as("a run under way is not marked").doesNotExist();
            try (Admin admin = kafka.admin()) {
                // a source topic that disappears: the next rebalance fails, the handler shuts the client down (ERROR)
                admin.deleteTopics(List.of(cluster.topics.requests().name())).all().get();
            }
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                    .until(() -> !failing.health().live());
            assertThat(failing.health().details().get("kafka.streams")).as("shut down by the handler").isIn("PENDING_ERROR", "ERROR");

            failing.close();
            assertThat(mark(cluster, 1)).as("a close after the client failed leaves no mark: the next start rebuilds the policy table")
                    .doesNotExist();
            CleanStopMark next = new CleanStopMark(applicationDir(cluster, 1));
            assertThat(next.globalStateDir()).as("the failed run's policy table is on disk").exists();
            assertThat(next.startRun()).as("the next start deletes it, to be rebuilt from the topic").isTrue();
            assertThat(next.globalStateDir()).doesNotExist();
        }
    }

    /** The mark of the {@code instance}-th instance: {@code <its state.dir>/<application id>/}{@value CleanStopMark#MARK}. */
    private static Path mark(IngestCluster cluster, int instance) {
        return applicationDir(cluster, instance).resolve(CleanStopMark.MARK);
    }

    private static Path applicationDir(IngestCluster cluster, int instance) {
        return cluster.stateDir(instance).resolve(cluster.applicationId());
    }
}
