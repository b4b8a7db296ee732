package dev.sluice.contracts;

import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with everything needed to use it: its full name (prefix included), key and value serdes,
 * partition count and topic configs (cleanup policy, retention). Topologies take topics from
 * {@link TopicCatalog} and never spell a topic name themselves.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, Map<String, String> configs) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions of " + name + " must be at least 1, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    /** The TopicNameStrategy subject of this topic's values. */
    public String valueSubject() {
        return name + "-value";
    }

    @Override
    public String toString() {
        return name;
    }
}
