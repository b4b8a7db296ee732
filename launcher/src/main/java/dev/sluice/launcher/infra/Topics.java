package dev.sluice.launcher.infra;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;

/** The topic catalog as configured: prefix, partitions and replication factor from {@link CommonKeys}. */
public final class Topics {
    private Topics() {}

    public static TopicCatalog catalog(SluiceConfig config, SchemaRegistryClient registry) {
        return new TopicCatalog(CommonKeys.read(config).string(CommonKeys.TOPIC_PREFIX), partitions(config), registry);
    }

    /** {@link TopicSetup#createAll} (idempotent); a failure names the topic and becomes one line for the user. */
    public static java.util.List<String> createAll(org.apache.kafka.clients.admin.Admin admin, TopicCatalog catalog,
                                                   short replicationFactor) {
        try {
            return TopicSetup.createAll(catalog, admin, replicationFactor);
        } catch (IllegalStateException e) {
            throw new dev.sluice.launcher.LauncherException(e.getMessage());
        }
    }

    public static int partitions(SluiceConfig config) {
        return CommonKeys.read(config).intValue(CommonKeys.TOPIC_PARTITIONS);
    }

    public static short replicationFactor(SluiceConfig config) {
        return (short) CommonKeys.read(config).intValue(CommonKeys.TOPIC_REPLICATION_FACTOR);
    }
}
