package dev.sluice.common;

import java.util.HashMap;
import java.util.Map;

/**
 * Configuration keys every stage shares (environment variable in parentheses). Stage-specific keys live
 * with their stage. Any Kafka client setting can be given as {@code kafka.<property>}
 * ({@code SLUICE_KAFKA_<PROPERTY_IN_UPPER_SNAKE>}), e.g. {@code SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_SSL}.
 */
public final class CommonKeys {
    /** Kafka bootstrap servers ({@code SLUICE_KAFKA_BOOTSTRAP_SERVERS}); required outside the embedded default. */
    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    /** Confluent-compatible schema registry base URL ({@code SLUICE_SCHEMA_REGISTRY_URL}). */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Redis URL, {@code redis://} or {@code rediss://}, with optional user:password ({@code SLUICE_REDIS_URL}). */
    public static final String REDIS_URL = "redis.url";
    /** Prefix in front of every topic name ({@code SLUICE_TOPIC_PREFIX}); default empty. */
    public static final String TOPIC_PREFIX = "topic.prefix";
    /** Partitions of topics Sluice creates ({@code SLUICE_TOPIC_PARTITIONS}); default 6. */
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    /** Replication factor of topics Sluice creates ({@code SLUICE_TOPIC_REPLICATION_FACTOR}); default 1. */
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    /** Directory for local state: Streams stores, model files ({@code SLUICE_STATE_DIR}); default {@code ./.sluice/state}. */
    public static final String STATE_DIR = "state.dir";
    /** Port of a stage's /health and /metrics endpoint ({@code SLUICE_HTTP_PORT}); default 8080, 0 = any free port. */
    public static final String HTTP_PORT = "http.port";
    /** LLM provider: anthropic, openai or simulated ({@code SLUICE_PROVIDER}); default simulated. */
    public static final String PROVIDER = "provider";
    /** Base URL of the provider API ({@code SLUICE_PROVIDER_BASE_URL}); default the provider's public URL. */
    public static final String PROVIDER_BASE_URL = "provider.base.url";
    /** Tier of users without a policy record ({@code SLUICE_DEFAULT_TIER}); default FREE. */
    public static final String DEFAULT_TIER = "default.tier";

    private CommonKeys() {}

    /** Kafka client properties: every {@code kafka.*} setting with the prefix removed (bootstrap servers included). */
    public static Map<String, Object> kafkaClientProperties(SluiceConfig config) {
        Map<String, Object> props = new HashMap<>(config.withPrefix("kafka."));
        if (!props.containsKey("bootstrap.servers")) {
            throw ConfigException.missing(KAFKA_BOOTSTRAP_SERVERS, "the Kafka cluster to connect to, e.g. localhost:9092");
        }
        return props;
    }
}
