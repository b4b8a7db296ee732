package dev.sluice.testkit.internal;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.embedded.InProcessKafka;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A single-node KRaft broker in Testcontainers' {@link KafkaContainer} ({@code apache/kafka} image) configured like
 * the in-process broker. Feature levels need no setting: the image formats its storage with its release's production
 * defaults, which for 4.3.x are the 4.3-IV0 metadata version and {@code transaction.version} 2 that the in-process
 * broker pins.
 */
public final class KafkaInContainer {
    /**
     * The in-process broker's settings ({@code dev.sluice.embedded.InProcessKafka}), which a change there must
     * repeat here: small internal topics with replication factor 1, no initial rebalance delay, no auto-created topics.
     */
    /** The in-process broker's settings, so both backends run the same broker. */
    static final Map<String, String> BROKER_CONFIG = InProcessKafka.BROKER_CONFIG;

    private KafkaInContainer() {}

    /** Starts the broker and waits until it runs; fails with Testcontainers' exception if it does not. */
    public static Running start() {
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(ContainerImages.kafka())).withEnv(env());
        kafka.start();
        return new Running(kafka.getBootstrapServers(), kafka);
    }

    /** {@link #BROKER_CONFIG} as the {@code apache/kafka} image reads it from the environment. */
    static Map<String, String> env() {
        Map<String, String> env = new TreeMap<>();
        BROKER_CONFIG.forEach((property, value) -> env.put(envName(property), value));
        return env;
    }

    /** The image's spelling of a broker property: {@code KAFKA_} + upper case, '.' as '_', '_' as '__', '-' as '___'. */
    static String envName(String property) {
        return "KAFKA_" + property.replace("_", "__").replace("-", "___").replace(".", "_").toUpperCase(Locale.ROOT);
    }
}
