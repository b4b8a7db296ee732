package dev.sluice.common;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.util.HashMap;
import java.util.Map;

import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.common.config.Validators;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * Configuration keys every stage shares; their types, defaults and documentation are in {@link #definition()}.
 * Stage-specific keys live with their stage. Any Kafka client setting can be given as {@code kafka.<property>}
 * ({@code SLUICE_KAFKA_<PROPERTY_IN_UPPER_SNAKE>}), e.g. {@code SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_SSL}.
 *
 * <p>Two rules hold in every stage. Group, application and transactional ids default to
 * {@code <topic.prefix>sluice-<stage>…}; a value that is set is used as it is. An unset {@link #REDIS_URL} means
 * "no Redis": each stage that uses Redis runs on its bounded in-process store (enrichment's local cache, generation's
 * in-memory store), says so in a warning, and the launcher's pre-flight check skips Redis.
 */
public final class CommonKeys {
    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String REDIS_URL = "redis.url";
    public static final String TOPIC_PREFIX = "topic.prefix";
    /** Default of {@link #TOPIC_PREFIX}: none. */
    public static final String DEFAULT_TOPIC_PREFIX = "";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    /** Default of {@link #TOPIC_REPLICATION_FACTOR}, replicas. */
    public static final int DEFAULT_TOPIC_REPLICATION_FACTOR = 1;
    public static final String STATE_DIR = "state.dir";
    /** Default of {@link #STATE_DIR}, relative to the working directory. */
    public static final String DEFAULT_STATE_DIR = "./.sluice/state";
    public static final String HTTP_PORT = "http.port";
    /** Default of {@link #HTTP_PORT}. */
    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final String PROVIDER = "provider";
    /** Default of {@link #PROVIDER}. */
    public static final String DEFAULT_PROVIDER = "simulated";
    public static final String PROVIDER_BASE_URL = "provider.base.url";
    public static final String DEFAULT_TIER = "default.tier";
    /** Default of {@link #DEFAULT_TIER}. */
    public static final String DEFAULT_DEFAULT_TIER = "FREE";

    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Shared (every stage)")
            .define(KAFKA_BOOTSTRAP_SERVERS, STRING, null, null, HIGH,
                    "Kafka bootstrap servers, host:port[,host:port]; required outside the embedded default.")
            .define(SCHEMA_REGISTRY_URL, STRING, null, Validators.url("http", "https"), HIGH,
                    "Confluent-compatible schema registry base URL.")
            .define(REDIS_URL, STRING, null, Validators.url("redis", "rediss"), HIGH,
                    "Redis URL, `redis://` or `rediss://`, with optional user:password. Unset = no Redis: every stage "
                            + "runs on its bounded in-process store (enrichment's local cache, generation's in-memory store; "
                            + "a crash then loses completed calls) and warns at start.")
            .define(TOPIC_PREFIX, STRING, DEFAULT_TOPIC_PREFIX, null, MEDIUM,
                    "Prefix in front of every topic name, and of every default group, application and transactional id.")
            .define(TOPIC_PARTITIONS, INT, TopicCatalog.DEFAULT_PARTITIONS, Range.between(1, 10_000), MEDIUM,
                    "Partitions of topics Sluice creates.")
            .define(TOPIC_REPLICATION_FACTOR, INT, DEFAULT_TOPIC_REPLICATION_FACTOR, Range.between(1, Short.MAX_VALUE), MEDIUM,
                    "Replication factor of topics Sluice creates (and of Kafka Streams' internal topics).")
            .define(STATE_DIR, STRING, DEFAULT_STATE_DIR, null, MEDIUM,
                    "Directory for local state: Streams stores, model files.")
            .define(HTTP_PORT, INT, DEFAULT_HTTP_PORT, Range.between(0, 65_535), LOW,
                    "Port of a stage's /health and /metrics endpoint; 0 = any free port (`sluice demo` picks a free one).")
            .define(PROVIDER, STRING, DEFAULT_PROVIDER, Validators.oneOf("anthropic", "openai", "simulated"), HIGH,
                    "LLM provider of the generation stage.")
            .defineComputed(PROVIDER_BASE_URL, STRING, Validators.url("http", "https"), LOW,
                    "Base URL of the provider API.", "the provider's public URL")
            .define(DEFAULT_TIER, STRING, DEFAULT_DEFAULT_TIER, null, MEDIUM,
                    "Tier of users without a policy record; one of `ingest.tiers`.")
            .define(ModelCatalog.FILE_KEY, STRING, null, null, LOW,
                    "Properties file of model prices and limits; unset = the shipped catalog.");

    private CommonKeys() {}

    /** Every shared key: type, default, validator, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** The shared keys of {@code config}, parsed on use. */
    public static ConfigValues read(SluiceConfig config) {
        return DEFINITION.read(config);
    }

    /** Kafka client properties: every {@code kafka.*} setting with the prefix removed (bootstrap servers included). */
    public static Map<String, Object> kafkaClientProperties(SluiceConfig config) {
        Map<String, Object> props = new HashMap<>(config.withPrefix("kafka."));
        if (!props.containsKey("bootstrap.servers")) {
            throw ConfigException.missing(KAFKA_BOOTSTRAP_SERVERS, "the Kafka cluster to connect to, e.g. localhost:9092");
        }
        return props;
    }
}
