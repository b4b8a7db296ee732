package dev.sluice.launcher.infra;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.schemas.TopicCatalog;
import dev.sluice.schemas.registry.SchemaRegistryClient;

/** The topic catalog as configured: prefix, partitions and replication factor from {@link CommonKeys}. */
public final class Topics {
    private Topics() {}

    public static TopicCatalog catalog(SluiceConfig config, SchemaRegistryClient registry) {
        return new TopicCatalog(config.string(CommonKeys.TOPIC_PREFIX, ""), partitions(config), registry);
    }

    public static int partitions(SluiceConfig config) {
        return config.intValue(CommonKeys.TOPIC_PARTITIONS, TopicCatalog.DEFAULT_PARTITIONS, 1, 10_000);
    }

    public static short replicationFactor(SluiceConfig config) {
        return (short) config.intValue(CommonKeys.TOPIC_REPLICATION_FACTOR, 1, 1, Short.MAX_VALUE);
    }
}
