package dev.sluice.generation;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import dev.sluice.generation.engine.LoopSettings;
import dev.sluice.generation.engine.ProcessorSettings;
import dev.sluice.generation.provider.ErrorClass;
import dev.sluice.generation.provider.SimulatedSettings;
import dev.sluice.generation.resilience.ResilienceSettings;
import dev.sluice.generation.semantic.SemanticSettings;

/**
 * The generation stage's configuration keys (environment variable = {@code SLUICE_} + key in upper snake case)
 * and their validated values. Shared keys ({@code provider}, {@code provider.base.url}, {@code redis.url},
 * {@code kafka.*}) are in {@link CommonKeys}; API keys come from {@code ANTHROPIC_API_KEY} /
 * {@code OPENAI_API_KEY} or the file named by {@code provider.api.key.file}, never from a printed config.
 */
public record GenerationConfig(String provider, String baseUrl, String instanceId, String groupId,
                               LoopSettings loop, ProcessorSettings processor, ResilienceSettings resilience,
                               SimulatedSettings simulated, Duration redisTimeout, int workerThreads,
                               Duration ledgerLoadTimeout, int memoryStoreMaxEntries, SemanticSettings semantic) {

    /** Calls (and breaker waits) in flight per instance. Default 256. */
    public static final String MAX_IN_FLIGHT = "generation.max.in.flight";
    /** Records polled but not yet committed per partition before that partition is paused. Default 2048. */
    public static final String MAX_PENDING_PER_PARTITION = "generation.max.pending.per.partition";
    /**
     * Milliseconds between transactions (each commits every completed prefix). Default 20: a result is visible to
     * read_committed readers only after the next commit, so this adds up to one interval per request. 20 ms met
     * the end-to-end goal (p99 82 ms at 1,000 req/s, against 366 ms with 100 ms) on a quiet 2-core machine at no
     * measurable saturation throughput; the cost is five times as many transactions (producer and coordinator
     * round trips), which on a loaded machine cost up to 12 % of saturation throughput in one run.
     */
    public static final String COMMIT_INTERVAL_MS = "generation.commit.interval.ms";
    /** Default of {@link #COMMIT_INTERVAL_MS}, milliseconds. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 20;
    /**
     * How long a revoked partition, or the whole stage on close, waits for its in-flight calls before handing
     * over, ms; calls still running then are abandoned (counted in {@code sluice.generation.abandoned.calls}) and
     * the next owner calls them again. Default 30000.
     */
    public static final String DRAIN_TIMEOUT_MS = "generation.drain.timeout.ms";
    /**
     * How long reading an assigned partition's ledger may take before it is retried, ms. The partition's requests
     * wait meanwhile (never called unchecked). Default 60000.
     */
    public static final String LEDGER_LOAD_TIMEOUT_MS = "generation.ledger.load.timeout.ms";
    /**
     * Bound of the in-memory store used when no Redis is configured: entries per map (done results, cache),
     * each also expiring after its TTL. Default 100000.
     */
    public static final String MEMORY_STORE_MAX_ENTRIES = "generation.memory.store.max.entries";
    /** Consumer group of the stage. Default {@code sluice-generation}. */
    public static final String GROUP_ID = "generation.group.id";
    /**
     * This instance's stable id: the consumer's {@code group.instance.id} and the suffix of the
     * {@code transactional.id}, so a restarted instance fences and aborts its predecessor's open transaction at
     * once. Must differ between instances. Default: the host name.
     */
    public static final String INSTANCE_ID = "generation.instance.id";
    /** Provider attempts per request (1 = no retry). Default 4. */
    public static final String RETRY_MAX_ATTEMPTS = "generation.retry.max.attempts";
    /** First retry backoff, ms; doubles per retry. Default 500. */
    public static final String RETRY_INITIAL_BACKOFF_MS = "generation.retry.initial.backoff.ms";
    /** Backoff cap, ms. Default 20000. */
    public static final String RETRY_MAX_BACKOFF_MS = "generation.retry.max.backoff.ms";
    /** Backoff jitter factor in [0, 1): wait × random[1-j, 1+j]. Default 0.5. */
    public static final String RETRY_JITTER = "generation.retry.jitter";
    /** Longest Retry-After honoured, ms (longer values are capped). Default 60000. */
    public static final String RETRY_MAX_RETRY_AFTER_MS = "generation.retry.max.retry.after.ms";
    /** Breaker window: it judges the last N calls and needs N before opening. Default 5. */
    public static final String BREAKER_FAILURES = "generation.breaker.failures";
    /** Failure percentage of that window that opens the breaker. Default 100 (N failures in a row). */
    public static final String BREAKER_FAILURE_RATE_PERCENT = "generation.breaker.failure.rate.percent";
    /** How long the breaker stays open before half-open probes, ms. Default 30000. */
    public static final String BREAKER_OPEN_MS = "generation.breaker.open.ms";
    /** Probe calls while half-open. Default 3. */
    public static final String BREAKER_HALF_OPEN_CALLS = "generation.breaker.half.open.calls";
    /** How long a request waits for an open breaker before it is dead-lettered, ms. Default 300000. */
    public static final String BREAKER_WAIT_DEADLINE_MS = "generation.breaker.wait.deadline.ms";
    /** Time limit of one provider attempt, ms. Default 120000. */
    public static final String TIMEOUT_MS = "generation.timeout.ms";
    /** Concurrent calls per provider+model. Default: the in-flight limit. */
    public static final String BULKHEAD_MAX_CALLS = "generation.bulkhead.max.calls";
    /** Provider-wide calls per second. Default 1000. */
    public static final String RATE_LIMIT_PER_SECOND = "generation.rate.limit.per.second";
    /** Response cache on or off. Default true. */
    public static final String CACHE_ENABLED = "generation.cache.enabled";
    /** Response cache TTL, ms. Default 3600000 (1 h). */
    public static final String CACHE_TTL_MS = "generation.cache.ttl.ms";
    /** TTL of a completed-but-uncommitted result in Redis, ms. Default 86400000 (24 h). */
    public static final String DONE_TTL_MS = "generation.done.ttl.ms";
    /** Redis command timeout, ms. Default 2000. */
    public static final String REDIS_TIMEOUT_MS = "generation.redis.timeout.ms";
    /** Threads running completion callbacks (lookups, cost, outcomes). Default 2. */
    public static final String WORKER_THREADS = "generation.worker.threads";
    /**
     * Semantic response cache on or off: a request similar (not identical) to an earlier one of the same scope
     * (tenant, model, system prompt, sampling parameters) is answered with that request's cached answer, billed $0.
     * Needs {@code generation.cache.enabled}. Default false.
     */
    public static final String SEMANTIC_CACHE_ENABLED = "generation.semantic.cache.enabled";
    /** Models the semantic cache serves, comma-separated; empty = every model. Default empty. */
    public static final String SEMANTIC_CACHE_MODELS = "generation.semantic.cache.models";
    /** Admission tiers the semantic cache serves (e.g. {@code FREE,STARTER}), comma-separated; empty = every tier. Default empty. */
    public static final String SEMANTIC_CACHE_TIERS = "generation.semantic.cache.tiers";
    /**
     * Cosine similarity (0–1) an earlier request's embedding must reach before the text guard (negations, numbers,
     * units, entities, language, word order) is asked. Default 0.8 (false-hit rate on the labelled evaluation set
     * in the generation README).
     */
    public static final String SEMANTIC_CACHE_MIN_SIMILARITY = "generation.semantic.cache.min.similarity";
    /** Only requests with temperature 0 are eligible (a sampled answer is one of many). Default true. */
    public static final String SEMANTIC_CACHE_DETERMINISTIC_ONLY = "generation.semantic.cache.deterministic.only";
    /**
     * Request metadata key whose value names a tenant group sharing one semantic cache (set by the calling service);
     * empty, or a request without the key, = each user has their own. Default empty.
     */
    public static final String SEMANTIC_CACHE_TENANT_METADATA_KEY = "generation.semantic.cache.tenant.metadata.key";
    /** Cached requests kept per scope (the oldest replaced first); each lookup scans them all. Default 10000. */
    public static final String SEMANTIC_CACHE_MAX_ENTRIES_PER_SCOPE = "generation.semantic.cache.max.entries.per.scope";
    /** Scopes kept per instance (least recently used dropped first); ~1.6 KiB per entry. Default 10000. */
    public static final String SEMANTIC_CACHE_MAX_SCOPES = "generation.semantic.cache.max.scopes";
    /** Times one cached answer may be served by the semantic cache before a real call refreshes it. Default 100. */
    public static final String SEMANTIC_CACHE_MAX_SERVES = "generation.semantic.cache.max.serves";
    /** Simulated provider: median latency, ms. Default 200. */
    public static final String SIMULATED_LATENCY_MS = "simulated.latency.ms";
    /** Simulated provider: latency uniform in median ± spread, ms. Default 0. */
    public static final String SIMULATED_LATENCY_SPREAD_MS = "simulated.latency.spread.ms";
    /** Simulated provider: output tokens per answer. Default 64. */
    public static final String SIMULATED_OUTPUT_TOKENS = "simulated.output.tokens";
    /** Simulated provider: probability of a failure, [0, 1]. Default 0. */
    public static final String SIMULATED_FAILURE_RATE = "simulated.failure.rate";
    /** Simulated provider: class of the failures (an error class name, e.g. OVERLOADED). Default OVERLOADED. */
    public static final String SIMULATED_FAILURE_CLASS = "simulated.failure.class";
    /** Simulated provider: while this file exists every call fails as OVERLOADED (503). Default none. */
    public static final String SIMULATED_OUTAGE_FILE = "simulated.outage.file";

    /** Reads and validates every key; errors name the key and the bad value. */
    public static GenerationConfig from(SluiceConfig c) {
        String provider = c.string(CommonKeys.PROVIDER, "simulated").toLowerCase(Locale.ROOT);
        if (!provider.equals("simulated") && !provider.equals("openai") && !provider.equals("anthropic")) {
            throw ConfigException.invalid(CommonKeys.PROVIDER, c.source(CommonKeys.PROVIDER), provider, "anthropic, openai or simulated");
        }
        int maxInFlight = c.intValue(MAX_IN_FLIGHT, 256, 1, 100_000);
        LoopSettings loop = new LoopSettings(maxInFlight, c.intValue(MAX_PENDING_PER_PARTITION, 2048, 1, 1_000_000),
                c.millis(COMMIT_INTERVAL_MS, Duration.ofMillis(DEFAULT_COMMIT_INTERVAL_MS)), c.millis(DRAIN_TIMEOUT_MS, LoopSettings.DEFAULT_DRAIN_TIMEOUT),
                c.intValue("kafka.max.request.size", LoopSettings.DEFAULT_MAX_RECORD_BYTES, 1024, Integer.MAX_VALUE));
        ProcessorSettings processor = new ProcessorSettings(c.bool(CACHE_ENABLED, true),
                c.millis(CACHE_TTL_MS, Duration.ofHours(1)), c.millis(DONE_TTL_MS, Duration.ofHours(24)));
        ResilienceSettings resilience = new ResilienceSettings(
                c.intValue(RETRY_MAX_ATTEMPTS, 4, 1, 20),
                c.millis(RETRY_INITIAL_BACKOFF_MS, Duration.ofMillis(500)),
                c.millis(RETRY_MAX_BACKOFF_MS, Duration.ofSeconds(20)),
                c.doubleValue(RETRY_JITTER, 0.5, 0, 0.99),
                c.millis(RETRY_MAX_RETRY_AFTER_MS, Duration.ofSeconds(60)),
                c.intValue(BREAKER_FAILURES, 5, 1, 10_000),
                (float) c.doubleValue(BREAKER_FAILURE_RATE_PERCENT, 100, 1, 100),
                c.millis(BREAKER_OPEN_MS, Duration.ofSeconds(30)),
                c.intValue(BREAKER_HALF_OPEN_CALLS, 3, 1, 1000),
                c.millis(BREAKER_WAIT_DEADLINE_MS, Duration.ofMinutes(5)),
                Duration.ofMillis(Math.max(50, Math.min(1000, c.millis(BREAKER_OPEN_MS, Duration.ofSeconds(30)).toMillis() / 10))),
                c.millis(TIMEOUT_MS, Duration.ofSeconds(120)),
                c.intValue(BULKHEAD_MAX_CALLS, maxInFlight, 1, 100_000),
                c.intValue(RATE_LIMIT_PER_SECOND, 1000, 1, 1_000_000));
        String failureClass = c.string(SIMULATED_FAILURE_CLASS, "OVERLOADED").toUpperCase(Locale.ROOT);
        ErrorClass failure;
        try {
            failure = ErrorClass.valueOf(failureClass);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(SIMULATED_FAILURE_CLASS, c.source(SIMULATED_FAILURE_CLASS), failureClass,
                    "one of " + java.util.Arrays.toString(ErrorClass.values()));
        }
        long latency = c.longValue(SIMULATED_LATENCY_MS, 200, 0, 600_000);
        SimulatedSettings simulated = new SimulatedSettings(latency,
                c.longValue(SIMULATED_LATENCY_SPREAD_MS, 0, 0, latency),
                c.longValue(SIMULATED_OUTPUT_TOKENS, 64, 1, 1_000_000),
                c.doubleValue(SIMULATED_FAILURE_RATE, 0, 0, 1), failure, 42,
                c.find(SIMULATED_OUTAGE_FILE).filter(f -> !f.isBlank()).map(java.nio.file.Path::of).orElse(null));
        String baseUrl = c.find(CommonKeys.PROVIDER_BASE_URL).orElse(null);
        return new GenerationConfig(provider, baseUrl, c.string(INSTANCE_ID, hostName()),
                c.string(GROUP_ID, "sluice-generation"), loop, processor, resilience, simulated,
                c.millis(REDIS_TIMEOUT_MS, Duration.ofMillis(2000)), c.intValue(WORKER_THREADS, 2, 1, 256),
                c.millis(LEDGER_LOAD_TIMEOUT_MS, Duration.ofSeconds(60)), c.intValue(MEMORY_STORE_MAX_ENTRIES, 100_000, 1, 100_000_000),
                semantic(c));
    }

    private static SemanticSettings semantic(SluiceConfig c) {
        return new SemanticSettings(c.bool(SEMANTIC_CACHE_ENABLED, false), list(c, SEMANTIC_CACHE_MODELS),
                list(c, SEMANTIC_CACHE_TIERS),
                (float) c.doubleValue(SEMANTIC_CACHE_MIN_SIMILARITY, SemanticSettings.DEFAULT_MIN_SIMILARITY, 0.5, 1.0),
                c.bool(SEMANTIC_CACHE_DETERMINISTIC_ONLY, true), c.string(SEMANTIC_CACHE_TENANT_METADATA_KEY, "").strip(),
                c.intValue(SEMANTIC_CACHE_MAX_ENTRIES_PER_SCOPE, SemanticSettings.DEFAULT_MAX_ENTRIES_PER_SCOPE, 1, 10_000_000),
                c.intValue(SEMANTIC_CACHE_MAX_SCOPES, SemanticSettings.DEFAULT_MAX_SCOPES, 1, 10_000_000),
                c.intValue(SEMANTIC_CACHE_MAX_SERVES, SemanticSettings.DEFAULT_MAX_SERVES, 1, Integer.MAX_VALUE));
    }

    private static java.util.Set<String> list(SluiceConfig c, String key) {
        return java.util.Arrays.stream(c.string(key, "").split(",")).map(String::strip).filter(v -> !v.isEmpty())
                .collect(java.util.stream.Collectors.toSet());
    }

    /** The producer's transactional.id. */
    public String transactionalId() {
        return groupId + "-" + instanceId;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
