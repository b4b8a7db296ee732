package dev.sluice.testkit;

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
    private final String bootstrapServers;
    private final AutoCloseable broker;
    private final long startupMillis;

    private KafkaBroker(String bootstrapServers, AutoCloseable broker, long startupMillis) {
        this.bootstrapServers = bootstrapServers;
        this.broker = broker;
        this.startupMillis = startupMillis;
    }

    /** Formats and starts a fresh broker with replication factors of 1 and no initial rebalance delay. */
    public static KafkaBroker start() {
        long t0 = System.nanoTime();
        if (Backend.current() == Backend.CONTAINERS) {
            Running container = KafkaInContainer.start();
            return new KafkaBroker(container.address(), container.container(), (System.nanoTime() - t0) / 1_000_000);
        }
        KafkaClusterTestKit cluster = InProcessKafka.start(null);
        return new KafkaBroker(cluster.bootstrapServers(), cluster, (System.nanoTime() - t0) / 1_000_000);
    }

    public String bootstrapServers() {
        return bootstrapServers;
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
