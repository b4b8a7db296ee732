package dev.sluice.enrichment;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.PASSWORD;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.Instances;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.common.config.Validators;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * The enrichment stage's settings, validated once by {@link #from(SluiceConfig)}. Meaning, unit, type, default and
 * valid values of every key are declared once, in {@link #definition()}; the environment variable of a key is
 * {@code SLUICE_} + key upper-snake-cased, e.g. {@code SLUICE_ENRICHMENT_CACHE_TTL_MS}. An unset
 * {@link CommonKeys#REDIS_URL} ({@link #redisUrl()} empty) means no Redis: only the in-process cache.
 */
public record EnrichmentConfig(
        Optional<String> redisUrl,
        Duration cacheTtl,
        Duration redisTimeout,
        Duration breakerOpen,
        int localCacheEntries,
        String embedder,
        int modelBatchSize,
        int modelThreads,
        int maxTextChars,
        int pollMaxRecords,
        Duration commitInterval,
        String groupId,
        String transactionalId,
        Duration retryBackoff,
        Path stateDir,
        String openAiBaseUrl,
        String openAiModel,
        Duration openAiTimeout,
        Optional<String> openAiApiKey) {

    public static final String CACHE_TTL_MS = "enrichment.cache.ttl.ms";
    /** Default of {@link #CACHE_TTL_MS}: 7 days. */
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofDays(7);
    public static final String REDIS_TIMEOUT_MS = "enrichment.redis.timeout.ms";
    /** Default of {@link #REDIS_TIMEOUT_MS}: 200 ms. */
    public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(200);
    public static final String BREAKER_OPEN_MS = "enrichment.breaker.open.ms";
    /** Default of {@link #BREAKER_OPEN_MS}: 5 s. */
    public static final Duration DEFAULT_BREAKER_OPEN = Duration.ofSeconds(5);
    public static final String LOCAL_CACHE_ENTRIES = "enrichment.local.cache.entries";
    /** Default of {@link #LOCAL_CACHE_ENTRIES}, entries. */
    public static final int DEFAULT_LOCAL_CACHE_ENTRIES = 10_000;
    public static final String EMBEDDER = "enrichment.embedder";
    /** Default of {@link #EMBEDDER}. */
    public static final String DEFAULT_EMBEDDER = "local";
    public static final String MODEL_BATCH_SIZE = "enrichment.model.batch.size";
    /** Default of {@link #MODEL_BATCH_SIZE}, texts per call. */
    public static final int DEFAULT_MODEL_BATCH_SIZE = 1;
    public static final String MODEL_THREADS = "enrichment.model.threads";
    /** Default of {@link #MODEL_THREADS}, threads. */
    public static final int DEFAULT_MODEL_THREADS = 2;
    public static final String MAX_TEXT_CHARS = "enrichment.max.text.chars";
    /** Default of {@link #MAX_TEXT_CHARS}, characters. */
    public static final int DEFAULT_MAX_TEXT_CHARS = 4096;
    public static final String POLL_MAX_RECORDS = "enrichment.poll.max.records";
    /** Default of {@link #POLL_MAX_RECORDS}, records. */
    public static final int DEFAULT_POLL_MAX_RECORDS = 500;
    public static final String COMMIT_INTERVAL_MS = "enrichment.commit.interval.ms";
    /** Default of {@link #COMMIT_INTERVAL_MS}: 100 ms. */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);
    /** A record taken within this many commit intervals of its append is fresh: its poll is committed at once. */
    public static final int FRESH_INTERVALS = 10;
    public static final String GROUP_ID = "enrichment.group.id";
    public static final String TRANSACTIONAL_ID = "enrichment.transactional.id";
    public static final String RETRY_BACKOFF_MS = "enrichment.retry.backoff.ms";
    /** Default of {@link #RETRY_BACKOFF_MS}: 1 s. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    public static final String OPENAI_BASE_URL = "enrichment.openai.base.url";
    /** Default of {@link #OPENAI_BASE_URL}. */
    public static final String DEFAULT_OPENAI_BASE_URL = "https://api.openai.com";
    public static final String OPENAI_MODEL = "enrichment.openai.model";
    /** Default of {@link #OPENAI_MODEL}. */
    public static final String DEFAULT_OPENAI_MODEL = "text-embedding-3-small";
    public static final String OPENAI_TIMEOUT_MS = "enrichment.openai.timeout.ms";
    /** Default of {@link #OPENAI_TIMEOUT_MS}: 10 s. */
    public static final Duration DEFAULT_OPENAI_TIMEOUT = Duration.ofSeconds(10);
    public static final String OPENAI_API_KEY = "enrichment.openai.api.key";

    private static final Range POSITIVE_MS = Range.atLeast(1L);
    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Enrichment (`sluice run enrichment`)")
            .define(CACHE_TTL_MS, LONG, DEFAULT_CACHE_TTL.toMillis(), POSITIVE_MS, MEDIUM,
                    "Time to live of a cached embedding, ms (default 7 days).")
            .define(REDIS_TIMEOUT_MS, LONG, DEFAULT_REDIS_TIMEOUT.toMillis(), POSITIVE_MS, MEDIUM,
                    "Longest wait for one Redis round trip (lookup or write-back) before it counts as a failure, ms.")
            .define(BREAKER_OPEN_MS, LONG, DEFAULT_BREAKER_OPEN.toMillis(), POSITIVE_MS, LOW,
                    "How long the Redis breaker stays open before one trial call (half-open), ms.")
            .define(LOCAL_CACHE_ENTRIES, INT, DEFAULT_LOCAL_CACHE_ENTRIES, Range.between(0, 10_000_000), MEDIUM,
                    "Entries of the in-process cache used while Redis is unavailable or unset (~1.5 KiB each at 384 dims).")
            .define(EMBEDDER, STRING, DEFAULT_EMBEDDER, Validators.oneOf("local", "openai"), HIGH,
                    "Embedding provider: `local` (all-MiniLM-L6-v2, quantized, in-process) or `openai`.")
            .define(MODEL_BATCH_SIZE, INT, DEFAULT_MODEL_BATCH_SIZE, Range.between(1, 4096), LOW,
                    "Most texts per model call. With the local quantized model a padded batch is faster (see the benchmark) "
                            + "but its dynamic quantization scales activations over the whole batch, so a text's vector then "
                            + "depends on its neighbours (cosine to the unbatched vector measured down to 0.984): the cache would "
                            + "hold a vector that is not a function of its key. 1 keeps vectors deterministic. For the OpenAI "
                            + "provider this is texts per HTTP request (set it to e.g. 64 there).")
            .define(MODEL_THREADS, INT, DEFAULT_MODEL_THREADS, Range.between(1, 256), LOW,
                    "ONNX Runtime intra-op threads of the local model.")
            .define(MAX_TEXT_CHARS, INT, DEFAULT_MAX_TEXT_CHARS, Range.between(16, 10_000_000), LOW,
                    "Longest text embedded, in characters (after normalisation); longer texts are cut to this prefix, which "
                            + "then keys the cache too. The default is far beyond the local model's 256-token window for natural language.")
            .define(POLL_MAX_RECORDS, INT, DEFAULT_POLL_MAX_RECORDS, Range.between(1, 100_000), LOW,
                    "Records per poll, hence per Redis lookup and per transaction.")
            .define(COMMIT_INTERVAL_MS, LONG, DEFAULT_COMMIT_INTERVAL.toMillis(), Range.atLeast(0L), LOW,
                    "Longest time between transactions while a backlog drains, ms. A poll with a record appended less than "
                            + FRESH_INTERVALS + " intervals ago (a caller is waiting) is committed at once, so a caught-up stage "
                            + "adds no wait; a backlog is committed at this interval: as deployed (2026-12-06, 200,000 "
                            + "cached records) 61-67 % faster than a transaction per poll, with the broker's CPU per record down "
                            + "from 25-41 to 8-11 us. A partition paused at 2 x enrichment.poll.max.records uncommitted records "
                            + "is committed as soon as a poll finds nothing else to do. 0 commits after every poll.")
            .defineComputed(GROUP_ID, STRING, null, LOW, "Consumer group id.", "`<topic.prefix>sluice-enrichment`")
            .defineComputed(TRANSACTIONAL_ID, STRING, null, LOW,
                    "Transactional id of this instance's producer, and its consumer's `group.instance.id`; must be unique per "
                            + "running instance and stable across its restarts (so a restart fences and aborts its predecessor's "
                            + "open transaction at once, and takes its partitions back without waiting for the broker to expire "
                            + "the dead member: the session timeout). A clean stop leaves the group at once. A dead "
                            + "instance's successor under another id (a rescheduled pod's new host name) waits for the broker "
                            + "to abort that transaction instead: at most `kafka.transaction.timeout.ms` (10 s by default "
                            + "for the stages) plus the broker's abort check interval.",
                    "`<topic.prefix>sluice-enrichment-<hostname>`")
            .define(RETRY_BACKOFF_MS, LONG, DEFAULT_RETRY_BACKOFF.toMillis(), Range.atLeast(0L), LOW,
                    "Pause before retrying a batch after a transient failure (registry, model or Kafka), ms.")
            .define(OPENAI_BASE_URL, STRING, DEFAULT_OPENAI_BASE_URL, Validators.url("http", "https"), LOW,
                    "Base URL of the OpenAI-compatible embeddings API (without `/v1`).")
            .define(OPENAI_MODEL, STRING, DEFAULT_OPENAI_MODEL, null, LOW, "Embedding model of the OpenAI-compatible provider.")
            .define(OPENAI_TIMEOUT_MS, LONG, DEFAULT_OPENAI_TIMEOUT.toMillis(), POSITIVE_MS, LOW,
                    "Timeout of one embeddings HTTP call, ms.")
            .defineComputed(OPENAI_API_KEY, PASSWORD, null, MEDIUM,
                    "API key of the OpenAI-compatible provider (discouraged: prefer `OPENAI_API_KEY` or the key file).",
                    "`OPENAI_API_KEY`, else the file named by `provider.api.key.file`");

    /** Every key of the stage: type, default, valid values, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** Reads and validates every key; errors name the key, its source and the bad value. */
    public static EnrichmentConfig from(SluiceConfig config) {
        ConfigValues v = DEFINITION.validate(config);
        ConfigValues common = CommonKeys.read(config);
        String prefix = common.string(CommonKeys.TOPIC_PREFIX);
        String embedder = v.string(EMBEDDER).strip().toLowerCase(Locale.ROOT);
        return new EnrichmentConfig(
                common.optionalString(CommonKeys.REDIS_URL),
                v.duration(CACHE_TTL_MS),
                v.duration(REDIS_TIMEOUT_MS),
                v.duration(BREAKER_OPEN_MS),
                v.intValue(LOCAL_CACHE_ENTRIES),
                embedder,
                v.intValue(MODEL_BATCH_SIZE),
                v.intValue(MODEL_THREADS),
                v.intValue(MAX_TEXT_CHARS),
                v.intValue(POLL_MAX_RECORDS),
                v.duration(COMMIT_INTERVAL_MS),
                v.optionalString(GROUP_ID).orElse(prefix + "sluice-enrichment"),
                v.optionalString(TRANSACTIONAL_ID).orElse(prefix + "sluice-enrichment-" + Instances.hostName()),
                v.duration(RETRY_BACKOFF_MS),
                Path.of(common.string(CommonKeys.STATE_DIR)).toAbsolutePath().normalize(),
                v.string(OPENAI_BASE_URL).strip().replaceAll("/+$", ""),
                v.string(OPENAI_MODEL),
                v.duration(OPENAI_TIMEOUT_MS),
                embedder.equals("openai") ? config.secret(OPENAI_API_KEY, "OPENAI_API_KEY") : Optional.empty());
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "EnrichmentConfig[redisUrl=" + redactedRedisUrl() + ", cacheTtl=" + cacheTtl + ", redisTimeout=" + redisTimeout
                + ", breakerOpen=" + breakerOpen + ", localCacheEntries=" + localCacheEntries + ", embedder=" + embedder
                + ", modelBatchSize=" + modelBatchSize + ", maxTextChars=" + maxTextChars + ", groupId=" + groupId
                + ", transactionalId=" + transactionalId + ", stateDir=" + stateDir + "]";
    }

    private String redactedRedisUrl() {
        return redisUrl.map(u -> u.replaceAll("//[^@/]*@", "//[REDACTED]@")).orElse("none");
    }
}
