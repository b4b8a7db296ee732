package dev.sluice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import dev.sluice.embedded.InProcessKafka;
import dev.sluice.testkit.internal.KafkaInContainer;
import dev.sluice.testkit.internal.Running;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * A real single-node KRaft Kafka broker (combined broker + controller): in this JVM, or in a container when the
 * {@link Backend} is {@link Backend#CONTAINERS}. Started once per test JVM by {@link SluiceInfra}; tests isolate
 * themselves with unique topic names.
 */
public final class KafkaBroker implements AutoCloseable {
    /** System property naming extra settings of the in-process broker, see {@link #overrides()}. */
    public static final String CONFIG_PROPERTY = "sluice.test.broker.config";
    /**
     * System property naming the directory under which the in-process broker keeps its logs (a fresh directory inside
     * it, deleted on close); unset: the JVM's temporary directory. A benchmark points it at a tmpfs such as
     * {@code /dev/shm} to take the host disk's write-back stalls out of what it measures.
     */
    public static final String DIR_PROPERTY = "sluice.test.broker.dir";
    private final String bootstrapServers;
    private final AutoCloseable broker;
    private final long startupMillis;
    private final String logStore;

    private KafkaBroker(String bootstrapServers, AutoCloseable broker, long startupMillis, String logStore) {
        this.bootstrapServers = bootstrapServers;
        this.broker = broker;
        this.startupMillis = startupMillis;
        this.logStore = logStore;
    }

    /** Formats and starts a fresh broker with replication factors of 1 and no initial rebalance delay. */
    public static KafkaBroker start() {
        long t0 = System.nanoTime();
        if (Backend.current() == Backend.CONTAINERS) {
            Running container = KafkaInContainer.start();
            return new KafkaBroker(container.address(), container.container(), (System.nanoTime() - t0) / 1_000_000,
                    "in a container");
        }
        Path dir = logDirectory();
        KafkaClusterTestKit cluster = InProcessKafka.start(dir, overrides());
        return new KafkaBroker(cluster.bootstrapServers(), cluster, (System.nanoTime() - t0) / 1_000_000,
                describe(dir == null ? Path.of(System.getProperty("java.io.tmpdir")) : dir));
    }

    /** A fresh directory under {@value #DIR_PROPERTY}, or null when it is unset (the caller picks a temporary one). */
    public static Path logDirectory() {
        String parent = System.getProperty(DIR_PROPERTY, "");
        if (parent.isBlank()) {
            return null;
        }
        try {
            return Files.createTempDirectory(Path.of(parent), "sluice-kafka-");
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(DIR_PROPERTY + ": cannot create the broker's directory under '" + parent + "': " + e, e);
        }
    }

    /** {@code dir} and the type of its file system, e.g. {@code /dev/shm/sluice-kafka-1 (tmpfs)}. */
    public static String describe(Path dir) {
        try {
            return dir + " (" + Files.getFileStore(dir).type() + ")";
        } catch (IOException e) {
            return dir.toString();
        }
    }

    /**
     * Broker settings on top of {@link InProcessKafka#BROKER_CONFIG}, from the system property {@value #CONFIG_PROPERTY}
     * ({@code key=value} pairs, {@code ,} between them): for a benchmark to see what a broker setting does.
     */
    static Map<String, String> overrides() {
        Map<String, String> overrides = new java.util.TreeMap<>();
        for (String pair : System.getProperty(CONFIG_PROPERTY, "").split(",")) {
            int eq = pair.indexOf('=');
            if (!pair.isBlank()) {
                if (eq < 1) {
                    throw new IllegalArgumentException(CONFIG_PROPERTY + ": expected key=value, got '" + pair + "'");
                }
                overrides.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return overrides;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Where the broker keeps its logs and on what kind of file system, e.g. {@code /dev/shm/sluice-kafka-1 (tmpfs)}. */
    public String logStore() {
        return logStore;
    }

    /** How long {@link #start()} took, for the fixture start-up report. */
    public long startupMillis() {
        return startupMillis;
    }

    /** Admin client settings pointing at this broker. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    public Admin admin() {
        return Admin.create(clientProperties());
    }

    /** Creates topics (idempotently) with the given partition count. */
    public void createTopics(int partitions, String... names) {
        try (Admin admin = admin()) {
            for (String name : names) {
                try {
                    admin.createTopics(Set.of(new NewTopic(name, partitions, (short) 1)
                            .configs(Map.of()))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + name, e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            broker.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the Kafka broker", e);
        }
    }
}
