package dev.sluice.enrichment;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;

/**
 * The enrichment stage's settings, validated once by {@link #from(SluiceConfig)}. Every key is also an environment
 * variable ({@code SLUICE_} + key upper-snake-cased, e.g. {@code SLUICE_ENRICHMENT_CACHE_TTL_MS}).
 */
public record EnrichmentConfig(
        String redisUrl,
        Duration cacheTtl,
        Duration redisTimeout,
        Duration breakerOpen,
        int localCacheEntries,
        String embedder,
        int modelBatchSize,
        int modelThreads,
        int maxTextChars,
        int pollMaxRecords,
        String groupId,
        String transactionalId,
        Duration retryBackoff,
        Path stateDir,
        String openAiBaseUrl,
        String openAiModel,
        Duration openAiTimeout,
        Optional<String> openAiApiKey) {

    /** Redis URL: {@link CommonKeys#REDIS_URL} ({@code SLUICE_REDIS_URL}); default {@value #DEFAULT_REDIS_URL}. */
    public static final String DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
    /** Time to live of a cached embedding, in milliseconds; default 7 days (604800000). */
    public static final String CACHE_TTL_MS = "enrichment.cache.ttl.ms";
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofDays(7);
    /** Longest wait for one Redis round trip (lookup or write-back) before it counts as a failure, in ms; default 200. */
    public static final String REDIS_TIMEOUT_MS = "enrichment.redis.timeout.ms";
    public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(200);
    /** How long the Redis breaker stays open before one trial call (half-open), in ms; default 5000. */
    public static final String BREAKER_OPEN_MS = "enrichment.breaker.open.ms";
    public static final Duration DEFAULT_BREAKER_OPEN = Duration.ofSeconds(5);
    /** Entries of the in-process cache used while Redis is unavailable (~1.5 KiB each at 384 dims); default 10000. */
    public static final String LOCAL_CACHE_ENTRIES = "enrichment.local.cache.entries";
    public static final int DEFAULT_LOCAL_CACHE_ENTRIES = 10_000;
    /** Embedding provider: {@code local} (all-MiniLM-L6-v2, quantized, in-process) or {@code openai}; default local. */
    public static final String EMBEDDER = "enrichment.embedder";
    /**
     * Most texts per model call; default 1. With the local quantized model a padded batch is faster (see the
     * benchmark) but its dynamic quantization scales activations over the whole batch, so a text's vector then depends
     * on its neighbours (cosine to the unbatched vector measured down to 0.984): the cache would hold a vector that is
     * not a function of its key. 1 keeps vectors deterministic. For the OpenAI provider this is texts per HTTP request
     * (set it to e.g. 64 there).
     */
    public static final String MODEL_BATCH_SIZE = "enrichment.model.batch.size";
    public static final int DEFAULT_MODEL_BATCH_SIZE = 1;
    /** ONNX Runtime intra-op threads of the local model; default 2. */
    public static final String MODEL_THREADS = "enrichment.model.threads";
    public static final int DEFAULT_MODEL_THREADS = 2;
    /**
     * Longest text embedded, in characters (after normalisation); longer texts are cut to this prefix, which then
     * keys the cache too. Default 4096: far beyond the local model's 256-token window for natural language.
     */
    public static final String MAX_TEXT_CHARS = "enrichment.max.text.chars";
    public static final int DEFAULT_MAX_TEXT_CHARS = 4096;
    /** Records per poll, hence per Redis lookup and per transaction; default 500. */
    public static final String POLL_MAX_RECORDS = "enrichment.poll.max.records";
    public static final int DEFAULT_POLL_MAX_RECORDS = 500;
    /** Consumer group id; default {@code <topic.prefix>sluice-enrichment}. */
    public static final String GROUP_ID = "enrichment.group.id";
    /**
     * Transactional id of this instance's producer; must be unique per running instance and stable across its
     * restarts (so a restart fences and aborts its predecessor's open transaction at once). Default
     * {@code <topic.prefix>sluice-enrichment-<hostname>}.
     */
    public static final String TRANSACTIONAL_ID = "enrichment.transactional.id";
    /** Pause before retrying a batch after a transient failure (registry, model or Kafka), in ms; default 1000. */
    public static final String RETRY_BACKOFF_MS = "enrichment.retry.backoff.ms";
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    /** Base URL of the OpenAI-compatible embeddings API (without {@code /v1}); default {@value #DEFAULT_OPENAI_BASE_URL}. */
    public static final String OPENAI_BASE_URL = "enrichment.openai.base.url";
    public static final String DEFAULT_OPENAI_BASE_URL = "https://api.openai.com";
    /** Embedding model of the OpenAI-compatible provider; default {@value #DEFAULT_OPENAI_MODEL}. */
    public static final String OPENAI_MODEL = "enrichment.openai.model";
    public static final String DEFAULT_OPENAI_MODEL = "text-embedding-3-small";
    /** Timeout of one embeddings HTTP call, in ms; default 10000. */
    public static final String OPENAI_TIMEOUT_MS = "enrichment.openai.timeout.ms";
    /** API key of the OpenAI-compatible provider: this key, else {@code OPENAI_API_KEY}, else the key file. */
    public static final String OPENAI_API_KEY = "enrichment.openai.api.key";

    /** Reads and validates every key; errors name the key, its source and the bad value. */
    public static EnrichmentConfig from(SluiceConfig config) {
        String redisUrl = config.string(CommonKeys.REDIS_URL, DEFAULT_REDIS_URL);
        if (!redisUrl.startsWith("redis://") && !redisUrl.startsWith("rediss://")) {
            throw ConfigException.invalid(CommonKeys.REDIS_URL, config.source(CommonKeys.REDIS_URL), redisUrl,
                    "a redis:// or rediss:// URL");
        }
        String embedder = config.string(EMBEDDER, "local").toLowerCase(Locale.ROOT);
        if (!embedder.equals("local") && !embedder.equals("openai")) {
            throw ConfigException.invalid(EMBEDDER, config.source(EMBEDDER), embedder, "local or openai");
        }
        String prefix = config.string(CommonKeys.TOPIC_PREFIX, "");
        String openAiBase = config.string(OPENAI_BASE_URL, DEFAULT_OPENAI_BASE_URL);
        try {
            URI uri = URI.create(openAiBase);
            if (uri.getScheme() == null || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException("not http");
            }
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(OPENAI_BASE_URL, config.source(OPENAI_BASE_URL), openAiBase, "an http(s) URL");
        }
        return new EnrichmentConfig(
                redisUrl,
                positive(config, CACHE_TTL_MS, DEFAULT_CACHE_TTL),
                positive(config, REDIS_TIMEOUT_MS, DEFAULT_REDIS_TIMEOUT),
                positive(config, BREAKER_OPEN_MS, DEFAULT_BREAKER_OPEN),
                config.intValue(LOCAL_CACHE_ENTRIES, DEFAULT_LOCAL_CACHE_ENTRIES, 0, 10_000_000),
                embedder,
                config.intValue(MODEL_BATCH_SIZE, DEFAULT_MODEL_BATCH_SIZE, 1, 4096),
                config.intValue(MODEL_THREADS, DEFAULT_MODEL_THREADS, 1, 256),
                config.intValue(MAX_TEXT_CHARS, DEFAULT_MAX_TEXT_CHARS, 16, 10_000_000),
                config.intValue(POLL_MAX_RECORDS, DEFAULT_POLL_MAX_RECORDS, 1, 100_000),
                config.string(GROUP_ID, prefix + "sluice-enrichment"),
                config.string(TRANSACTIONAL_ID, prefix + "sluice-enrichment-" + hostname()),
                config.millis(RETRY_BACKOFF_MS, DEFAULT_RETRY_BACKOFF),
                Path.of(config.string(CommonKeys.STATE_DIR, "./.sluice/state")).toAbsolutePath().normalize(),
                openAiBase.replaceAll("/+$", ""),
                config.string(OPENAI_MODEL, DEFAULT_OPENAI_MODEL),
                positive(config, OPENAI_TIMEOUT_MS, Duration.ofSeconds(10)),
                embedder.equals("openai") ? config.secret(OPENAI_API_KEY, "OPENAI_API_KEY") : Optional.empty());
    }

    private static Duration positive(SluiceConfig config, String key, Duration defaultValue) {
        Duration d = config.millis(key, defaultValue);
        if (d.isZero()) {
            throw ConfigException.invalid(key, config.source(key), "0", "a positive number of milliseconds");
        }
        return d;
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
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
        return redisUrl.replaceAll("//[^@/]*@", "//[REDACTED]@");
    }
}
