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

    /**
     * {@link TopicCatalog#createAll} (idempotent), retried while fresh topics' metadata is still propagating: its
     * co-partition check describes the topics right after creating them. Other failures name the topic.
     */
    public static java.util.List<String> createAll(org.apache.kafka.clients.admin.Admin admin, TopicCatalog catalog,
                                                   short replicationFactor) {
        java.util.List<String> created = new java.util.ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            try {
                created.addAll(catalog.createAll(admin, replicationFactor));
                return created;
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) || attempt == 40) {
                    throw new dev.sluice.launcher.LauncherException(e.getMessage());
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new dev.sluice.launcher.LauncherException("interrupted creating topics");
                }
            }
        }
    }

    public static int partitions(SluiceConfig config) {
        return config.intValue(CommonKeys.TOPIC_PARTITIONS, TopicCatalog.DEFAULT_PARTITIONS, 1, 10_000);
    }

    public static short replicationFactor(SluiceConfig config) {
        return (short) config.intValue(CommonKeys.TOPIC_REPLICATION_FACTOR, 1, 1, Short.MAX_VALUE);
    }
}
