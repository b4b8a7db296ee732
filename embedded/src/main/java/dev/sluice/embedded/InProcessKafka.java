package dev.sluice.embedded;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft broker (combined broker + controller) in this JVM: replication factors 1, small
 * internal topics, no initial rebalance delay, no auto-created topics.
 *
 * <p>Feature levels are pinned to what a real 4.3 cluster formatted with {@code kafka-storage format} runs:
 * {@code KafkaClusterTestKit} otherwise bootstraps {@code MetadataVersion.latestTesting()}, the in-development
 * 4.4-IV0, so tests and the demo would exercise a broker no one runs in production.
 */
public final class InProcessKafka {
    /** The metadata version of a 4.3 cluster: {@code MetadataVersion.latestProduction()} of the 4.3.1 jars. */
    public static final MetadataVersion METADATA_VERSION = MetadataVersion.IBP_4_3_IV0;
    /**
     * {@code transaction.version} 2 (KIP-890 server-side defence: epoch bump per transaction), the production default
     * at 4.3-IV0, set explicitly because the transactional guarantees are what Sluice's tests are about.
     */
    public static final short TRANSACTION_VERSION = 2;

    private InProcessKafka() {}

    /** Bootstrap metadata of a production 4.3 cluster: every production feature at its default for the MV. */
    static BootstrapMetadata productionBootstrap() {
        Map<String, Short> levels = new TreeMap<>();
        for (Feature feature : Feature.PRODUCTION_FEATURES) {
            levels.put(feature.featureName(), feature.defaultLevel(METADATA_VERSION));
        }
        levels.put(Feature.TRANSACTION_VERSION.featureName(), TRANSACTION_VERSION);
        return BootstrapMetadata.fromVersions(METADATA_VERSION, levels, "sluice-embedded");
    }

    /**
     * The single-broker settings every Sluice broker for tests and the demo runs with (replication 1 for the internal
     * topics, no initial rebalance delay, no auto-created topics); a broker in a container gets the same.
     */
    public static final Map<String, String> BROKER_CONFIG = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "4",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "transaction.state.log.num.partitions", "4",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            "group.initial.rebalance.delay.ms", "0",
            "auto.create.topics.enable", "false");

    /**
     * Formats and starts a fresh broker, its data under {@code baseDir} (deleted on close), or a temporary
     * directory when {@code baseDir} is null. Failures are {@link IllegalStateException}s.
     */
    public static KafkaClusterTestKit start(Path baseDir) {
        return start(baseDir, Map.of());
    }

    /**
     * As {@link #start(Path)}, with {@code overrides} set on top of {@link #BROKER_CONFIG} (e.g. a benchmark sizing the
     * broker's thread pools for the machine).
     */
    public static KafkaClusterTestKit start(Path baseDir, Map<String, String> overrides) {
        try {
            TestKitNodes.Builder nodes = new TestKitNodes.Builder(productionBootstrap()).setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1);
            if (baseDir != null) {
                nodes.setBaseDirectory(baseDir);
            }
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build()).setDeleteOnClose(true);
            BROKER_CONFIG.forEach(builder::setConfigProp);
            overrides.forEach(builder::setConfigProp);
            KafkaClusterTestKit cluster = builder.build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-process Kafka broker: " + e.getMessage(), e);
        }
    }

    // The format step prints its bootstrap metadata to stdout, which is noise in a demo and in test output.
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            cluster.format();
        } finally {
            System.setOut(stdout);
        }
    }
}
