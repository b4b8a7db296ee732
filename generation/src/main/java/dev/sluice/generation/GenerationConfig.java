package dev.sluice.generation;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.DOUBLE;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.Instances;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.common.config.Validators;
import dev.sluice.generation.engine.LoopSettings;
import dev.sluice.generation.engine.ProcessorSettings;
import dev.sluice.generation.provider.ErrorClass;
import dev.sluice.generation.provider.SimulatedSettings;
import dev.sluice.generation.resilience.ResilienceSettings;
import dev.sluice.generation.semantic.SemanticSettings;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * The generation stage's configuration keys (environment variable = {@code SLUICE_} + key in upper snake case)
 * and their validated values; meaning, unit, type, default and valid values of each key are declared once, in
 * {@link #definition()}. Shared keys ({@code provider}, {@code provider.base.url}, {@code redis.url},
 * {@code kafka.*}) are in {@link CommonKeys}; API keys come from {@code ANTHROPIC_API_KEY} /
 * {@code OPENAI_API_KEY} or the file named by {@code provider.api.key.file}, never from a printed config.
 */
public record GenerationConfig(String provider, String baseUrl, String instanceId, String groupId,
                               LoopSettings loop, ProcessorSettings processor, ResilienceSettings resilience,
                               SimulatedSettings simulated, Duration redisTimeout, int workerThreads,
                               Duration ledgerLoadTimeout, int memoryStoreMaxEntries, SemanticSettings semantic) {

    public static final String MAX_IN_FLIGHT = "generation.max.in.flight";
    /** Default of {@link #MAX_IN_FLIGHT}, calls. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    public static final String MAX_PENDING_PER_PARTITION = "generation.max.pending.per.partition";
    /** Default of {@link #MAX_PENDING_PER_PARTITION}, records. */
    public static final int DEFAULT_MAX_PENDING_PER_PARTITION = 2048;
    public static final String COMMIT_INTERVAL_MS = "generation.commit.interval.ms";
    /** Default of {@link #COMMIT_INTERVAL_MS}, milliseconds. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 10;
    public static final String DRAIN_TIMEOUT_MS = "generation.drain.timeout.ms";
    public static final String PUBLISH_AHEAD = "generation.publish.ahead";
    public static final String LEDGER_LOAD_TIMEOUT_MS = "generation.ledger.load.timeout.ms";
    /** Default of {@link #LEDGER_LOAD_TIMEOUT_MS}, milliseconds. */
    public static final long DEFAULT_LEDGER_LOAD_TIMEOUT_MS = 60_000;
    public static final String MEMORY_STORE_MAX_ENTRIES = "generation.memory.store.max.entries";
    /** Default of {@link #MEMORY_STORE_MAX_ENTRIES}, entries per map. */
    public static final int DEFAULT_MEMORY_STORE_MAX_ENTRIES = 100_000;
    public static final String GROUP_ID = "generation.group.id";
    /** The group id after the topic prefix: the default is {@code <topic.prefix>sluice-generation}. */
    public static final String DEFAULT_GROUP_ID = "sluice-generation";
    public static final String INSTANCE_ID = "generation.instance.id";
    public static final String RETRY_MAX_ATTEMPTS = "generation.retry.max.attempts";
    /** Default of {@link #RETRY_MAX_ATTEMPTS}, attempts. */
    public static final int DEFAULT_RETRY_MAX_ATTEMPTS = 4;
    public static final String RETRY_INITIAL_BACKOFF_MS = "generation.retry.initial.backoff.ms";
    /** Default of {@link #RETRY_INITIAL_BACKOFF_MS}, milliseconds. */
    public static final long DEFAULT_RETRY_INITIAL_BACKOFF_MS = 500;
    public static final String RETRY_MAX_BACKOFF_MS = "generation.retry.max.backoff.ms";
    /** Default of {@link #RETRY_MAX_BACKOFF_MS}, milliseconds. */
    public static final long DEFAULT_RETRY_MAX_BACKOFF_MS = 20_000;
    public static final String RETRY_JITTER = "generation.retry.jitter";
    /** Default of {@link #RETRY_JITTER}, a factor. */
    public static final double DEFAULT_RETRY_JITTER = 0.5;
    public static final String RETRY_MAX_RETRY_AFTER_MS = "generation.retry.max.retry.after.ms";
    /** Default of {@link #RETRY_MAX_RETRY_AFTER_MS}, milliseconds. */
    public static final long DEFAULT_RETRY_MAX_RETRY_AFTER_MS = 60_000;
    public static final String BREAKER_FAILURES = "generation.breaker.failures";
    /** Default of {@link #BREAKER_FAILURES}, calls. */
    public static final int DEFAULT_BREAKER_FAILURES = 5;
    public static final String BREAKER_FAILURE_RATE_PERCENT = "generation.breaker.failure.rate.percent";
    /** Default of {@link #BREAKER_FAILURE_RATE_PERCENT}, percent. */
    public static final double DEFAULT_BREAKER_FAILURE_RATE_PERCENT = 100;
    public static final String BREAKER_OPEN_MS = "generation.breaker.open.ms";
    /** Default of {@link #BREAKER_OPEN_MS}, milliseconds. */
    public static final long DEFAULT_BREAKER_OPEN_MS = 30_000;
    public static final String BREAKER_HALF_OPEN_CALLS = "generation.breaker.half.open.calls";
    /** Default of {@link #BREAKER_HALF_OPEN_CALLS}, calls. */
    public static final int DEFAULT_BREAKER_HALF_OPEN_CALLS = 3;
    public static final String BREAKER_WAIT_DEADLINE_MS = "generation.breaker.wait.deadline.ms";
    /** Default of {@link #BREAKER_WAIT_DEADLINE_MS}, milliseconds (5 min). */
    public static final long DEFAULT_BREAKER_WAIT_DEADLINE_MS = 300_000;
    public static final String TIMEOUT_MS = "generation.timeout.ms";
    /** Default of {@link #TIMEOUT_MS}, milliseconds. */
    public static final long DEFAULT_TIMEOUT_MS = 120_000;
    public static final String BULKHEAD_MAX_CALLS = "generation.bulkhead.max.calls";
    public static final String RATE_LIMIT_PER_SECOND = "generation.rate.limit.per.second";
    /** Default of {@link #RATE_LIMIT_PER_SECOND}, calls per second. */
    public static final int DEFAULT_RATE_LIMIT_PER_SECOND = 1000;
    public static final String CACHE_ENABLED = "generation.cache.enabled";
    public static final String CACHE_TTL_MS = "generation.cache.ttl.ms";
    /** Default of {@link #CACHE_TTL_MS}, milliseconds (1 h). */
    public static final long DEFAULT_CACHE_TTL_MS = 3_600_000;
    public static final String DONE_TTL_MS = "generation.done.ttl.ms";
    /** Default of {@link #DONE_TTL_MS}, milliseconds (24 h). */
    public static final long DEFAULT_DONE_TTL_MS = 86_400_000;
    public static final String REDIS_TIMEOUT_MS = "generation.redis.timeout.ms";
    /** Default of {@link #REDIS_TIMEOUT_MS}, milliseconds. */
    public static final long DEFAULT_REDIS_TIMEOUT_MS = 2000;
    public static final String WORKER_THREADS = "generation.worker.threads";
    /** Default of {@link #WORKER_THREADS}, threads. */
    public static final int DEFAULT_WORKER_THREADS = 2;
    public static final String SEMANTIC_CACHE_ENABLED = "generation.semantic.cache.enabled";
    public static final String SEMANTIC_CACHE_MODELS = "generation.semantic.cache.models";
    public static final String SEMANTIC_CACHE_TIERS = "generation.semantic.cache.tiers";
    public static final String SEMANTIC_CACHE_MIN_SIMILARITY = "generation.semantic.cache.min.similarity";
    public static final String SEMANTIC_CACHE_DETERMINISTIC_ONLY = "generation.semantic.cache.deterministic.only";
    public static final String SEMANTIC_CACHE_TENANT_METADATA_KEY = "generation.semantic.cache.tenant.metadata.key";
    public static final String SEMANTIC_CACHE_MAX_ENTRIES_PER_SCOPE = "generation.semantic.cache.max.entries.per.scope";
    public static final String SEMANTIC_CACHE_MAX_SCOPES = "generation.semantic.cache.max.scopes";
    public static final String SEMANTIC_CACHE_MAX_SERVES = "generation.semantic.cache.max.serves";
    public static final String SIMULATED_LATENCY_MS = "simulated.latency.ms";
    /** Default of {@link #SIMULATED_LATENCY_MS}, milliseconds. */
    public static final long DEFAULT_SIMULATED_LATENCY_MS = 200;
    public static final String SIMULATED_LATENCY_SPREAD_MS = "simulated.latency.spread.ms";
    public static final String SIMULATED_OUTPUT_TOKENS = "simulated.output.tokens";
    /** Default of {@link #SIMULATED_OUTPUT_TOKENS}, tokens. */
    public static final long DEFAULT_SIMULATED_OUTPUT_TOKENS = 64;
    public static final String SIMULATED_FAILURE_RATE = "simulated.failure.rate";
    public static final String SIMULATED_FAILURE_CLASS = "simulated.failure.class";
    /** Default of {@link #SIMULATED_FAILURE_CLASS}. */
    public static final String DEFAULT_SIMULATED_FAILURE_CLASS = "OVERLOADED";
    public static final String SIMULATED_OUTAGE_FILE = "simulated.outage.file";
    /** The producer's {@code max.request.size} (a Kafka client setting), which also bounds a result record. */
    public static final String MAX_REQUEST_SIZE = "kafka.max.request.size";

    private static final Range ANY_MS = Range.atLeast(0L);
    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Generation (`sluice run generation`)")
            .define(MAX_IN_FLIGHT, INT, DEFAULT_MAX_IN_FLIGHT, Range.between(1, 100_000), HIGH,
                    "Calls (and breaker waits) in flight per instance.")
            .define(MAX_PENDING_PER_PARTITION, INT, DEFAULT_MAX_PENDING_PER_PARTITION, Range.between(1, 1_000_000), MEDIUM,
                    "Records polled but not yet committed per partition before that partition is paused.")
            .define(COMMIT_INTERVAL_MS, LONG, DEFAULT_COMMIT_INTERVAL_MS, ANY_MS, MEDIUM,
                    "Milliseconds between transactions (each publishes every finished answer, and commits the offsets of every completed prefix). A result is visible to "
                            + "read_committed readers only after the next commit, so this adds up to one interval per request. "
                            + "10 ms (20 before 2026-12-05): at 1,000 req/s it lowered the pipeline's p50 (as deployed 52-58 against "
                            + "59-61 ms at 20 ms; in-process 27 against 34-36 ms) with no measurable throughput cost; 5 ms was no faster "
                            + "and cost 0.07 of a core more. Each transaction is a producer and coordinator round trip: raise it (e.g. "
                            + "100) where throughput matters more than latency.")
            .define(PUBLISH_AHEAD, BOOLEAN, true, null, LOW,
                    "Publish an answer at the next commit even while slower calls before it in its partition still run "
                            + "(its ledger record goes with it, so a next owner that reads it again neither calls nor publishes "
                            + "it again). false keeps each partition's results in input order, at the cost that one slow call "
                            + "holds back every answer after it in its partition.")
            .define(DRAIN_TIMEOUT_MS, LONG, LoopSettings.DEFAULT_DRAIN_TIMEOUT.toMillis(), ANY_MS, LOW,
                    "How long a revoked partition, or the whole stage on close, waits for its in-flight calls before handing "
                            + "over, ms; calls still running then are abandoned (counted in `sluice.generation.abandoned.calls`) "
                            + "and the next owner calls them again.")
            .define(LEDGER_LOAD_TIMEOUT_MS, LONG, DEFAULT_LEDGER_LOAD_TIMEOUT_MS, Range.atLeast(100L), LOW,
                    "How long reading an assigned partition's ledger may go without reading anything before it is "
                            + "reported unavailable and retried a second later (what it read is kept), and the longest one call "
                            + "to the broker may block the loop while loading, ms. A large ledger is read in 250 ms slices "
                            + "between polls, however long it takes; the partition's requests wait meanwhile (never called unchecked). At least "
                            + "100: below that no call to the broker could finish and the ledger would never load.")
            .define(MEMORY_STORE_MAX_ENTRIES, INT, DEFAULT_MEMORY_STORE_MAX_ENTRIES, Range.between(1, 100_000_000), LOW,
                    "Bound of the in-memory store used when `redis.url` is unset: entries per map (done results, cache), "
                            + "each also expiring after its TTL.")
            .defineComputed(GROUP_ID, STRING, null, LOW,
                    "Consumer group of the stage; with `generation.instance.id` also the producer's transactional id "
                            + "(`<group>-<instance>`).", "`<topic.prefix>sluice-generation`")
            .defineComputed(INSTANCE_ID, STRING, null, MEDIUM,
                    "This instance's stable id: the consumer's `group.instance.id` and the suffix of the `transactional.id`, "
                            + "so a restarted instance fences and aborts its predecessor's open transaction at once. Must "
                            + "differ between instances. A dead instance's successor under another id (a rescheduled pod's "
                            + "new host name) waits for the broker to abort that transaction instead: at most "
                            + "`kafka.transaction.timeout.ms` (10 s by default for the stages) plus the broker's abort check "
                            + "interval.", "the host name")
            .define(RETRY_MAX_ATTEMPTS, INT, DEFAULT_RETRY_MAX_ATTEMPTS, Range.between(1, 20), HIGH,
                    "Provider attempts per request (1 = no retry).")
            .define(RETRY_INITIAL_BACKOFF_MS, LONG, DEFAULT_RETRY_INITIAL_BACKOFF_MS, ANY_MS, MEDIUM,
                    "First retry backoff, ms; doubles per retry.")
            .define(RETRY_MAX_BACKOFF_MS, LONG, DEFAULT_RETRY_MAX_BACKOFF_MS, ANY_MS, MEDIUM, "Backoff cap, ms.")
            .define(RETRY_JITTER, DOUBLE, DEFAULT_RETRY_JITTER, Range.between(0, 0.99), LOW,
                    "Backoff jitter factor in [0, 1): wait × random[1-j, 1+j].")
            .define(RETRY_MAX_RETRY_AFTER_MS, LONG, DEFAULT_RETRY_MAX_RETRY_AFTER_MS, ANY_MS, LOW,
                    "Longest Retry-After honoured, ms (longer values are capped).")
            .define(BREAKER_FAILURES, INT, DEFAULT_BREAKER_FAILURES, Range.between(1, 10_000), HIGH,
                    "Breaker window: it judges the last N calls and needs N before opening.")
            .define(BREAKER_FAILURE_RATE_PERCENT, DOUBLE, DEFAULT_BREAKER_FAILURE_RATE_PERCENT, Range.between(1, 100), MEDIUM,
                    "Failure percentage of that window that opens the breaker (100 = N failures in a row).")
            .define(BREAKER_OPEN_MS, LONG, DEFAULT_BREAKER_OPEN_MS, ANY_MS, HIGH,
                    "How long the breaker stays open before half-open probes, ms. A waiting request asks again every tenth "
                            + "of it (within 50 ms to 1 s).")
            .define(BREAKER_HALF_OPEN_CALLS, INT, DEFAULT_BREAKER_HALF_OPEN_CALLS, Range.between(1, 1000), LOW,
                    "Probe calls while half-open.")
            .define(BREAKER_WAIT_DEADLINE_MS, LONG, DEFAULT_BREAKER_WAIT_DEADLINE_MS, ANY_MS, MEDIUM,
                    "How long a request waits for an open breaker before it is dead-lettered, ms.")
            .define(TIMEOUT_MS, LONG, DEFAULT_TIMEOUT_MS, ANY_MS, HIGH, "Time limit of one provider attempt, ms.")
            .defineComputed(BULKHEAD_MAX_CALLS, INT, Range.between(1, 100_000), MEDIUM,
                    "Concurrent calls per provider+model.", "`generation.max.in.flight`")
            .define(RATE_LIMIT_PER_SECOND, INT, DEFAULT_RATE_LIMIT_PER_SECOND, Range.between(1, 1_000_000), MEDIUM,
                    "Provider-wide calls per second.")
            .define(CACHE_ENABLED, BOOLEAN, true, null, MEDIUM, "Response cache on or off.")
            .define(CACHE_TTL_MS, LONG, DEFAULT_CACHE_TTL_MS, ANY_MS, MEDIUM, "Response cache TTL, ms (default 1 h).")
            .define(DONE_TTL_MS, LONG, DEFAULT_DONE_TTL_MS, ANY_MS, LOW,
                    "TTL of a completed-but-uncommitted result in Redis, ms (default 24 h).")
            .define(REDIS_TIMEOUT_MS, LONG, DEFAULT_REDIS_TIMEOUT_MS, ANY_MS, LOW, "Redis command timeout, ms.")
            .define(WORKER_THREADS, INT, DEFAULT_WORKER_THREADS, Range.between(1, 256), LOW,
                    "Threads running completion callbacks (lookups, cost, outcomes).")
            .define(SEMANTIC_CACHE_ENABLED, BOOLEAN, false, null, MEDIUM,
                    "Semantic response cache on or off: a request similar (not identical) to an earlier one of the same "
                            + "scope (tenant, model, system prompt, sampling parameters) is answered with that request's cached "
                            + "answer, billed $0. Needs `generation.cache.enabled`.")
            .define(SEMANTIC_CACHE_MODELS, LIST, "", null, LOW,
                    "Models the semantic cache serves, comma-separated; empty = every model.")
            .define(SEMANTIC_CACHE_TIERS, LIST, "", null, LOW,
                    "Admission tiers the semantic cache serves (e.g. `FREE,STARTER`), comma-separated; empty = every tier.")
            .define(SEMANTIC_CACHE_MIN_SIMILARITY, DOUBLE, Double.parseDouble(Float.toString(SemanticSettings.DEFAULT_MIN_SIMILARITY)),
                    Range.between(0.5, 1.0), MEDIUM,
                    "Cosine similarity an earlier request's embedding must reach before the text guard (negations, numbers, "
                            + "units, entities, language, word order) is asked. The default's false-hit rate on the labelled "
                            + "evaluation set is in the generation README.")
            .define(SEMANTIC_CACHE_DETERMINISTIC_ONLY, BOOLEAN, true, null, LOW,
                    "Only requests with temperature 0 are eligible (a sampled answer is one of many).")
            .define(SEMANTIC_CACHE_TENANT_METADATA_KEY, STRING, "", null, LOW,
                    "Request metadata key whose value names a tenant group sharing one semantic cache (set by the calling "
                            + "service); empty, or a request without the key, = each user has their own.")
            .define(SEMANTIC_CACHE_MAX_ENTRIES_PER_SCOPE, INT, SemanticSettings.DEFAULT_MAX_ENTRIES_PER_SCOPE,
                    Range.between(1, 10_000_000), LOW, "Cached requests kept per scope (the oldest replaced first); each lookup scans them all.")
            .define(SEMANTIC_CACHE_MAX_SCOPES, INT, SemanticSettings.DEFAULT_MAX_SCOPES, Range.between(1, 10_000_000), LOW,
                    "Scopes kept per instance (least recently used dropped first); ~1.6 KiB per entry.")
            .define(SEMANTIC_CACHE_MAX_SERVES, INT, SemanticSettings.DEFAULT_MAX_SERVES, Range.between(1, Integer.MAX_VALUE), LOW,
                    "Times one cached answer may be served by the semantic cache before a real call refreshes it.")
            .define(SIMULATED_LATENCY_MS, LONG, DEFAULT_SIMULATED_LATENCY_MS, Range.between(0, 600_000), LOW,
                    "Simulated provider: median latency, ms.")
            .define(SIMULATED_LATENCY_SPREAD_MS, LONG, 0L, Range.between(0, 600_000), LOW,
                    "Simulated provider: latency uniform in median ± spread, ms; at most the median.")
            .define(SIMULATED_OUTPUT_TOKENS, LONG, DEFAULT_SIMULATED_OUTPUT_TOKENS, Range.between(1, 1_000_000), LOW,
                    "Simulated provider: output tokens per answer.")
            .define(SIMULATED_FAILURE_RATE, DOUBLE, 0.0, Range.between(0, 1), LOW,
                    "Simulated provider: probability of a failure, [0, 1].")
            .define(SIMULATED_FAILURE_CLASS, STRING, DEFAULT_SIMULATED_FAILURE_CLASS,
                    Validators.oneOf(Arrays.stream(ErrorClass.values()).map(Enum::name).toArray(String[]::new)), LOW,
                    "Simulated provider: class of the failures.")
            .define(SIMULATED_OUTAGE_FILE, STRING, null, null, LOW,
                    "Simulated provider: while this file exists every call fails as OVERLOADED (503).")
            .define(MAX_REQUEST_SIZE, INT, LoopSettings.DEFAULT_MAX_RECORD_BYTES, Range.between(1024, Integer.MAX_VALUE), LOW,
                    "The producer's `max.request.size`, bytes (passed to every Kafka client as `max.request.size`); a "
                            + "generation result larger than this is dead-lettered.");

    /** Every key of the stage: type, default, valid values, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** Reads and validates every key; errors name the key, where it came from and the bad value. */
    public static GenerationConfig from(SluiceConfig config) {
        ConfigValues c = DEFINITION.validate(config);
        ConfigValues common = CommonKeys.read(config);
        int maxInFlight = c.intValue(MAX_IN_FLIGHT);
        LoopSettings loop = new LoopSettings(maxInFlight, c.intValue(MAX_PENDING_PER_PARTITION), c.duration(COMMIT_INTERVAL_MS),
                c.duration(DRAIN_TIMEOUT_MS), c.intValue(MAX_REQUEST_SIZE), c.bool(PUBLISH_AHEAD));
        ProcessorSettings processor = new ProcessorSettings(c.bool(CACHE_ENABLED), c.duration(CACHE_TTL_MS), c.duration(DONE_TTL_MS));
        Duration breakerOpen = c.duration(BREAKER_OPEN_MS);
        ResilienceSettings resilience = new ResilienceSettings(
                c.intValue(RETRY_MAX_ATTEMPTS),
                c.duration(RETRY_INITIAL_BACKOFF_MS),
                c.duration(RETRY_MAX_BACKOFF_MS),
                c.doubleValue(RETRY_JITTER),
                c.duration(RETRY_MAX_RETRY_AFTER_MS),
                c.intValue(BREAKER_FAILURES),
                (float) c.doubleValue(BREAKER_FAILURE_RATE_PERCENT),
                breakerOpen,
                c.intValue(BREAKER_HALF_OPEN_CALLS),
                c.duration(BREAKER_WAIT_DEADLINE_MS),
                breakerPoll(breakerOpen),
                c.duration(TIMEOUT_MS),
                c.value(BULKHEAD_MAX_CALLS).map(v -> (Integer) v).orElse(maxInFlight),
                c.intValue(RATE_LIMIT_PER_SECOND));
        long latency = c.longValue(SIMULATED_LATENCY_MS);
        long spread = c.longValue(SIMULATED_LATENCY_SPREAD_MS);
        if (spread > latency) {
            throw ConfigException.invalid(SIMULATED_LATENCY_SPREAD_MS, c.source(SIMULATED_LATENCY_SPREAD_MS), Long.toString(spread),
                    "at most " + SIMULATED_LATENCY_MS + " (" + latency + ")");
        }
        SimulatedSettings simulated = new SimulatedSettings(latency, spread, c.longValue(SIMULATED_OUTPUT_TOKENS),
                c.doubleValue(SIMULATED_FAILURE_RATE), ErrorClass.valueOf(c.string(SIMULATED_FAILURE_CLASS).strip().toUpperCase(Locale.ROOT)),
                42, c.optionalString(SIMULATED_OUTAGE_FILE).map(java.nio.file.Path::of).orElse(null));
        String groupId = c.optionalString(GROUP_ID).orElse(common.string(CommonKeys.TOPIC_PREFIX) + DEFAULT_GROUP_ID);
        return new GenerationConfig(common.string(CommonKeys.PROVIDER).strip().toLowerCase(Locale.ROOT),
                common.optionalString(CommonKeys.PROVIDER_BASE_URL).orElse(null),
                c.optionalString(INSTANCE_ID).orElseGet(Instances::hostName), groupId, loop, processor, resilience,
                simulated, c.duration(REDIS_TIMEOUT_MS), c.intValue(WORKER_THREADS), c.duration(LEDGER_LOAD_TIMEOUT_MS),
                c.intValue(MEMORY_STORE_MAX_ENTRIES), semantic(c));
    }

    /** How often a request waiting for an open breaker asks again: a tenth of the open time, within [50 ms, 1 s]. */
    public static Duration breakerPoll(Duration breakerOpen) {
        return Duration.ofMillis(Math.max(50, Math.min(1000, breakerOpen.toMillis() / 10)));
    }

    private static SemanticSettings semantic(ConfigValues c) {
        return new SemanticSettings(c.bool(SEMANTIC_CACHE_ENABLED), java.util.Set.copyOf(c.list(SEMANTIC_CACHE_MODELS)),
                java.util.Set.copyOf(c.list(SEMANTIC_CACHE_TIERS)), (float) c.doubleValue(SEMANTIC_CACHE_MIN_SIMILARITY),
                c.bool(SEMANTIC_CACHE_DETERMINISTIC_ONLY), c.optionalString(SEMANTIC_CACHE_TENANT_METADATA_KEY).orElse(""),
                c.intValue(SEMANTIC_CACHE_MAX_ENTRIES_PER_SCOPE), c.intValue(SEMANTIC_CACHE_MAX_SCOPES),
                c.intValue(SEMANTIC_CACHE_MAX_SERVES));
    }

    /** The producer's transactional.id. */
    public String transactionalId() {
        return groupId + "-" + instanceId;
    }
}
