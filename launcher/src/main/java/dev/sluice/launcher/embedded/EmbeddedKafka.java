package dev.sluice.launcher.embedded;

import java.nio.file.Path;

import dev.sluice.embedded.InProcessKafka;
import dev.sluice.launcher.LauncherException;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/** A real single-node KRaft broker (combined broker + controller) in this JVM, its logs under the work dir. */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats and starts a fresh broker ({@link InProcessKafka}), its data under {@code dataDir}. */
    public static EmbeddedKafka start(Path dataDir) {
        try {
            return new EmbeddedKafka(InProcessKafka.start(dataDir));
        } catch (IllegalStateException e) {
            throw new LauncherException(e.getMessage(), LauncherException.EXIT_FAILURE, e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            System.err.println("sluice: stopping the in-process broker: " + e.getMessage());
        }
    }
}
