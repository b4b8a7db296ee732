package dev.sluice.ingest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.ModelCatalog;
import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.ceiling.CeilingConfig;

/**
 * Configuration of the admission stage: every key (environment variable {@code SLUICE_} + key in upper snake
 * case), its unit and default. The global spend ceiling's keys are in {@link CeilingConfig}. Built and validated once by {@link #from(SluiceConfig)}; immutable after.
 */
public record IngestConfig(String applicationId, int streamThreads, Duration commitInterval, String stateDir,
                           String defaultTier, Map<String, TierLimits> tiers, long maxRequestCostMicros,
                           Duration dedupeHorizon, Duration sweepInterval, int maxMessages, int maxMessageChars,
                           int maxTotalChars, int maxOutputTokens, int maxMetadataEntries, int maxMetadataBytes,
                           int maxRequestBytes, ModelCatalog models, CeilingConfig ceiling) {

    /** Kafka Streams application id (consumer group, prefix of changelog topics); default {@code sluice-ingest}. */
    public static final String APPLICATION_ID = "ingest.application.id";
    /** Stream threads per instance; default 1. */
    public static final String STREAM_THREADS = "ingest.stream.threads";
    /**
     * Transaction commit interval, milliseconds; default 20. Outputs become visible to read_committed readers only
     * at a commit, so this sets most of the stage's latency (p50 about one interval). The trade: 20 ms met the
     * end-to-end goal (p99 82 ms at 1,000 req/s, against 366 ms with 100 ms) on a quiet 2-core machine with the same
     * end-to-end saturation (3,716 vs 3,694 req/s), but it runs five times as many transactions and flushes the
     * record cache five times as often (fewer store writes coalesce). Measured as deployed ({@code sluice run ingest}
     * draining 200,000 requests, same run, load average about 4), 20 ms drained a backlog about 30 % slower than
     * 100 ms (warm 8,800 vs 12,600 requests/s): deployments bound by backlog drain rather than latency should set 100.
     */
    public static final String COMMIT_INTERVAL_MS = "ingest.commit.interval.ms";
    /** Comma-separated tier names; default {@code FREE,STARTER,PRO}. Each has the four keys below. */
    public static final String TIERS = "ingest.tiers";
    /** Per-tier key suffix: requests per sliding minute ({@code ingest.tier.free.requests.per.minute}); default 10. */
    public static final String TIER_REQUESTS_PER_MINUTE = "requests.per.minute";
    /** Per-tier key suffix: requests per UTC day; defaults FREE 10, STARTER 50, PRO 999, other tiers 10. */
    public static final String TIER_REQUESTS_PER_DAY = "requests.per.day";
    /** Per-tier key suffix: estimated tokens per sliding minute; defaults FREE 200000, STARTER 400000, PRO 2000000. */
    public static final String TIER_TOKENS_PER_MINUTE = "tokens.per.minute";
    /** Per-tier key suffix: budget per UTC day, micro-dollars; defaults FREE $1, STARTER $10, PRO $100. */
    public static final String TIER_DAILY_BUDGET_MICROS = "daily.budget.micros";
    /** Largest worst-case cost of one request, micro-dollars; default 5000000 ($5). */
    public static final String MAX_REQUEST_COST_MICROS = "ingest.max.request.cost.micros";
    /**
     * How long a requestId is remembered after its admission and after its charge or release, to reject duplicates,
     * milliseconds; default 86400000 (24 h). A requestId whose reservation is still held is a duplicate regardless.
     */
    public static final String DEDUPE_HORIZON_MS = "ingest.dedupe.horizon.ms";
    /**
     * Stream-time (broker time) interval of the clean-up sweep that forgets settled entries of idle users past the
     * dedupe horizon, milliseconds; default 60000. Reservations never expire by time: only a CHARGED or RELEASED
     * cost event ends one.
     */
    public static final String SWEEP_INTERVAL_MS = "ingest.reservation.sweep.interval.ms";
    /** Most messages in one request; default 64. */
    public static final String MAX_MESSAGES = "ingest.max.messages";
    /** Most characters (UTF-16 units) in one message's content; default 10000. */
    public static final String MAX_MESSAGE_CHARS = "ingest.max.message.chars";
    /** Most characters over all messages of a request; default 50000. */
    public static final String MAX_TOTAL_CHARS = "ingest.max.total.chars";
    /** Largest allowed {@code maxOutputTokens} (the smallest is 1); default 16384. */
    public static final String MAX_OUTPUT_TOKENS = "ingest.max.output.tokens";
    /** Most {@code metadata} entries in one request; default 16 (OpenAI's limit for request metadata). */
    public static final String MAX_METADATA_ENTRIES = "ingest.max.metadata.entries";
    /**
     * Most bytes of {@code metadata} (UTF-8 keys plus values) in one request; default 8192. Metadata is copied into
     * the admitted, enriched and result records, so it is kept far below the producer's 1 MiB record limit.
     */
    public static final String MAX_METADATA_BYTES = "ingest.max.metadata.bytes";
    /**
     * Largest encoded request (the llm.requests record value), bytes; default 262144 (256 KiB). Every downstream
     * record embeds the request, so this keeps them all within the brokers' and producers' 1 MiB record limit.
     */
    public static final String MAX_REQUEST_BYTES = "ingest.max.request.bytes";

    public static final String DEFAULT_APPLICATION_ID = "sluice-ingest";
    /** Default of {@link #COMMIT_INTERVAL_MS}, milliseconds. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 20;
    public static final long DEFAULT_MAX_REQUEST_COST_MICROS = 5_000_000L;
    /** Default of {@link #MAX_METADATA_ENTRIES}, entries. */
    public static final int DEFAULT_MAX_METADATA_ENTRIES = 16;
    /** Default of {@link #MAX_METADATA_BYTES}, bytes. */
    public static final int DEFAULT_MAX_METADATA_BYTES = 8 * 1024;
    /** Default of {@link #MAX_REQUEST_BYTES}, bytes. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 256 * 1024;
    private static final Map<String, TierLimits> DEFAULT_TIERS = Map.of(
            "FREE", new TierLimits(10, 10, 200_000, 1_000_000L),
            "STARTER", new TierLimits(10, 50, 400_000, 10_000_000L),
            "PRO", new TierLimits(10, 999, 2_000_000, 100_000_000L));
    private static final TierLimits OTHER_TIER = DEFAULT_TIERS.get("FREE");

    public IngestConfig {
        tiers = Map.copyOf(tiers);
        if (!tiers.containsKey(defaultTier)) {
            throw ConfigException.invalid(CommonKeys.DEFAULT_TIER, "validation", defaultTier, "one of " + tiers.keySet());
        }
    }

    /** Reads and validates every key; the error names the key, its source and the bad value. */
    public static IngestConfig from(SluiceConfig c) {
        Map<String, TierLimits> tiers = new LinkedHashMap<>();
        for (String raw : c.string(TIERS, "FREE,STARTER,PRO").split(",")) {
            String tier = raw.trim().toUpperCase(Locale.ROOT);
            if (tier.isEmpty()) {
                continue;
            }
            TierLimits d = DEFAULT_TIERS.getOrDefault(tier, OTHER_TIER);
            String p = tierKey(tier, "");
            tiers.put(tier, new TierLimits(
                    c.intValue(p + TIER_REQUESTS_PER_MINUTE, d.requestsPerMinute(), 0, 1_000_000),
                    c.intValue(p + TIER_REQUESTS_PER_DAY, d.requestsPerDay(), 0, Integer.MAX_VALUE),
                    c.longValue(p + TIER_TOKENS_PER_MINUTE, d.tokensPerMinute(), 0, Long.MAX_VALUE / 4),
                    c.longValue(p + TIER_DAILY_BUDGET_MICROS, d.dailyBudgetMicros(), 0, Long.MAX_VALUE / 4)));
        }
        if (tiers.isEmpty()) {
            throw ConfigException.invalid(TIERS, c.source(TIERS), c.string(TIERS, ""), "at least one tier name");
        }
        return new IngestConfig(
                c.string(APPLICATION_ID, DEFAULT_APPLICATION_ID),
                c.intValue(STREAM_THREADS, 1, 1, 64),
                Duration.ofMillis(c.longValue(COMMIT_INTERVAL_MS, DEFAULT_COMMIT_INTERVAL_MS, 1, 600_000)),
                c.string(CommonKeys.STATE_DIR, "./.sluice/state"),
                c.string(CommonKeys.DEFAULT_TIER, "FREE").toUpperCase(Locale.ROOT),
                tiers,
                c.longValue(MAX_REQUEST_COST_MICROS, DEFAULT_MAX_REQUEST_COST_MICROS, 0, Long.MAX_VALUE / 4),
                Duration.ofMillis(c.longValue(DEDUPE_HORIZON_MS, 86_400_000L, 60_000, 30L * 86_400_000)),
                Duration.ofMillis(c.longValue(SWEEP_INTERVAL_MS, 60_000L, 1_000, 86_400_000)),
                c.intValue(MAX_MESSAGES, 64, 1, 10_000),
                c.intValue(MAX_MESSAGE_CHARS, 10_000, 1, 10_000_000),
                c.intValue(MAX_TOTAL_CHARS, 50_000, 1, 100_000_000),
                c.intValue(MAX_OUTPUT_TOKENS, 16_384, 1, 10_000_000),
                c.intValue(MAX_METADATA_ENTRIES, DEFAULT_MAX_METADATA_ENTRIES, 0, 100_000),
                c.intValue(MAX_METADATA_BYTES, DEFAULT_MAX_METADATA_BYTES, 0, 1_000_000),
                c.intValue(MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES, 1_024, 1_000_000),
                ModelCatalog.from(c),
                CeilingConfig.from(c));
    }

    /** The full key of a per-tier setting, e.g. {@code tierKey("PRO", "requests.per.day")}. */
    public static String tierKey(String tier, String suffix) {
        return "ingest.tier." + tier.toLowerCase(Locale.ROOT) + "." + suffix;
    }

    /** The limits of {@code tier}, if it is configured. */
    public Optional<TierLimits> tier(String tier) {
        return Optional.ofNullable(tiers.get(tier));
    }
}
