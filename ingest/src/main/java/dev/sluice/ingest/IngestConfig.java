package dev.sluice.ingest;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.Instances;
import dev.sluice.common.ModelCatalog;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.ingest.ceiling.CeilingConfig;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Configuration of the admission stage. Every key's meaning, unit, type, default and valid values are declared once,
 * in {@link #definition()} and {@link #tierDefinition()} (environment variable {@code SLUICE_} + key in upper snake
 * case). The global spend ceiling's keys are in {@link CeilingConfig}. Built and validated once by
 * {@link #from(SluiceConfig)}; immutable after.
 */
public record IngestConfig(String applicationId, int streamThreads, Duration commitInterval, Duration freshCommitInterval, String stateDir,
                           String instanceId,
                           String defaultTier, Map<String, TierLimits> tiers, long maxRequestCostMicros,
                           Duration dedupeHorizon, Duration sweepInterval, int maxMessages, int maxMessageChars,
                           int maxTotalChars, int maxOutputTokens, int maxMetadataEntries, int maxMetadataBytes,
                           int maxRequestBytes, boolean userStateInMemory, int policyCacheUsers, ModelCatalog models,
                           CeilingConfig ceiling) {

    public static final String APPLICATION_ID = "ingest.application.id";
    /** The application id after the topic prefix: the default is {@code <topic.prefix>sluice-ingest}. */
    public static final String DEFAULT_APPLICATION_ID = "sluice-ingest";
    public static final String INSTANCE_ID = "ingest.instance.id";
    public static final String STREAM_THREADS = "ingest.stream.threads";
    /** Default of {@link #STREAM_THREADS}, threads. */
    public static final int DEFAULT_STREAM_THREADS = 1;
    public static final String COMMIT_INTERVAL_MS = "ingest.commit.interval.ms";
    /** Default of {@link #COMMIT_INTERVAL_MS}, milliseconds. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 100;
    public static final String FRESH_COMMIT_INTERVAL_MS = "ingest.commit.fresh.interval.ms";
    /** Default of {@link #FRESH_COMMIT_INTERVAL_MS}, milliseconds. */
    public static final long DEFAULT_FRESH_COMMIT_INTERVAL_MS = 20;
    public static final String TIERS = "ingest.tiers";
    /** Default of {@link #TIERS}. */
    public static final String DEFAULT_TIERS_LIST = "FREE,STARTER,PRO";
    /** Per-tier key suffix ({@link #tierKey}): requests per sliding minute. */
    public static final String TIER_REQUESTS_PER_MINUTE = "requests.per.minute";
    /** Per-tier key suffix: requests per UTC day. */
    public static final String TIER_REQUESTS_PER_DAY = "requests.per.day";
    /** Per-tier key suffix: estimated tokens per sliding minute. */
    public static final String TIER_TOKENS_PER_MINUTE = "tokens.per.minute";
    /** Per-tier key suffix: budget per UTC day, micro-dollars. */
    public static final String TIER_DAILY_BUDGET_MICROS = "daily.budget.micros";
    public static final String MAX_REQUEST_COST_MICROS = "ingest.max.request.cost.micros";
    /** Default of {@link #MAX_REQUEST_COST_MICROS}, micro-dollars ($5). */
    public static final long DEFAULT_MAX_REQUEST_COST_MICROS = 5_000_000L;
    public static final String DEDUPE_HORIZON_MS = "ingest.dedupe.horizon.ms";
    /** Default of {@link #DEDUPE_HORIZON_MS}, milliseconds (24 h). */
    public static final long DEFAULT_DEDUPE_HORIZON_MS = 86_400_000L;
    public static final String SWEEP_INTERVAL_MS = "ingest.reservation.sweep.interval.ms";
    /** Default of {@link #SWEEP_INTERVAL_MS}, milliseconds. */
    public static final long DEFAULT_SWEEP_INTERVAL_MS = 60_000L;
    public static final String USER_STATE_IN_MEMORY = "ingest.user.state.in.memory";
    public static final String POLICY_CACHE_USERS = "ingest.policy.cache.users";
    /** Default of {@link #POLICY_CACHE_USERS}, users per task. */
    public static final int DEFAULT_POLICY_CACHE_USERS = 100_000;
    public static final String MAX_MESSAGES = "ingest.max.messages";
    /** Default of {@link #MAX_MESSAGES}, messages. */
    public static final int DEFAULT_MAX_MESSAGES = 64;
    public static final String MAX_MESSAGE_CHARS = "ingest.max.message.chars";
    /** Default of {@link #MAX_MESSAGE_CHARS}, characters. */
    public static final int DEFAULT_MAX_MESSAGE_CHARS = 10_000;
    public static final String MAX_TOTAL_CHARS = "ingest.max.total.chars";
    /** Default of {@link #MAX_TOTAL_CHARS}, characters. */
    public static final int DEFAULT_MAX_TOTAL_CHARS = 50_000;
    public static final String MAX_OUTPUT_TOKENS = "ingest.max.output.tokens";
    /** Default of {@link #MAX_OUTPUT_TOKENS}, tokens. */
    public static final int DEFAULT_MAX_OUTPUT_TOKENS = 16_384;
    public static final String MAX_METADATA_ENTRIES = "ingest.max.metadata.entries";
    /** Default of {@link #MAX_METADATA_ENTRIES}, entries. */
    public static final int DEFAULT_MAX_METADATA_ENTRIES = 16;
    public static final String MAX_METADATA_BYTES = "ingest.max.metadata.bytes";
    /** Default of {@link #MAX_METADATA_BYTES}, bytes. */
    public static final int DEFAULT_MAX_METADATA_BYTES = 8 * 1024;
    public static final String MAX_REQUEST_BYTES = "ingest.max.request.bytes";
    /** Default of {@link #MAX_REQUEST_BYTES}, bytes. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 256 * 1024;
    private static final Map<String, TierLimits> DEFAULT_TIERS = Map.of(
            "FREE", new TierLimits(10, 10, 200_000, 1_000_000L),
            "STARTER", new TierLimits(10, 50, 400_000, 10_000_000L),
            "PRO", new TierLimits(10, 999, 2_000_000, 100_000_000L));
    private static final TierLimits OTHER_TIER = DEFAULT_TIERS.get("FREE");

    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Admission (`sluice run ingest`)")
            .defineComputed(APPLICATION_ID, STRING, null, MEDIUM,
                    "Kafka Streams application id (consumer group, prefix of changelog topics).", "`<topic.prefix>sluice-ingest`")
            .defineComputed(INSTANCE_ID, STRING, null, MEDIUM,
                    Instances.STREAMS_INSTANCE_ID_DOC, Instances.STREAMS_INSTANCE_ID_DEFAULT)
            .define(STREAM_THREADS, INT, DEFAULT_STREAM_THREADS, Range.between(1, 64), MEDIUM, "Stream threads per instance.")
            .define(COMMIT_INTERVAL_MS, LONG, DEFAULT_COMMIT_INTERVAL_MS, Range.between(1, 600_000), MEDIUM,
                    "Time between transaction commits while a backlog drains, ms (with `" + FRESH_COMMIT_INTERVAL_MS + "` on, as by "
                            + "default; with it off, the only interval). Outputs become visible to read_committed readers only at a "
                            + "commit, and each commit writes transaction markers to every output and changelog partition, so this "
                            + "trades a backlog's drain rate against the latency of what is committed at it. Measured as deployed "
                            + "(2026-12-05, `sluice run ingest` draining 200,000 requests, two runs of two rounds): the defaults (100 "
                            + "here, 20 fresh) drained at 67.8k-69.2k and 52.4k-55.0k requests/s warm against 50.2k-51.5k and "
                            + "34.9k-51.9k with fixed 20 ms commits in the same rounds (from equal to +58 %).")
            .define(FRESH_COMMIT_INTERVAL_MS, LONG, DEFAULT_FRESH_COMMIT_INTERVAL_MS, Range.between(0, 600_000), MEDIUM,
                    "Commit interval while the stage is caught up, ms; 0, or a value not below `" + COMMIT_INTERVAL_MS
                            + "`, turns it off (then every commit comes at `" + COMMIT_INTERVAL_MS + "`). A request processed less "
                            + "than ten `" + COMMIT_INTERVAL_MS + "` after the broker appended it is committed within this interval "
                            + "(at most one early commit per stream thread per interval); a backlog at `" + COMMIT_INTERVAL_MS
                            + "`. At 1,000 requests/s (2026-12-05, EndToEndBenchmark, in-process, warm slots) admission's share of "
                            + "the latency (request appended to admitted record visible) was p99 34 ms with the defaults; "
                            + "end to end p99 51-57 ms. Before the producer's retry backoff was shortened (see docs/performance-history.md, tenth "
                            + "pass) the same setting had a p99 share of 120-138 ms and stayed off by default.")
            .define(TIERS, LIST, DEFAULT_TIERS_LIST, null, HIGH,
                    "Comma-separated tier names (any case). Each has the four `ingest.tier.<tier>.*` keys below.")
            .define(MAX_REQUEST_COST_MICROS, LONG, DEFAULT_MAX_REQUEST_COST_MICROS, Range.between(0, Long.MAX_VALUE / 4), HIGH,
                    "Largest worst-case cost of one request, micro-dollars.")
            .define(DEDUPE_HORIZON_MS, LONG, DEFAULT_DEDUPE_HORIZON_MS, Range.between(60_000, 30L * 86_400_000), MEDIUM,
                    "How long a requestId is remembered after its admission and after its charge or release, to reject "
                            + "duplicates, ms (default 24 h). A requestId whose reservation is still held is a duplicate regardless.")
            .define(SWEEP_INTERVAL_MS, LONG, DEFAULT_SWEEP_INTERVAL_MS, Range.between(1_000, 86_400_000), LOW,
                    "Stream-time (broker time) interval of the clean-up sweep that forgets settled entries of idle users past "
                            + "the dedupe horizon, and deletes the state of users that holds nothing (no money reserved, no "
                            + "entry kept, no request in the last minute nor on the current UTC day), ms. Reservations never "
                            + "expire by time: only a CHARGED or RELEASED cost event ends one.")
            .define(USER_STATE_IN_MEMORY, BOOLEAN, false, null, LOW,
                    "Keep the per-user state store (`admission-user-state`) on the heap instead of in RocksDB. Still "
                            + "changelogged, so exactly as durable and exactly-once; the admitted-requests store stays in "
                            + "RocksDB. Measured as deployed (2026-12-05, warm 1,000,000-request drains, 10,000 users, two "
                            + "rounds, order alternated, two runs): 56k-61k admitted/s against 47k-53k in RocksDB (+14 to +19 %), "
                            + "whole drains +6 to +14 %. Costs: heap for every user kept, ~200 B each (measured: 184 B with "
                            + "12-byte and 208 B with 36-byte user ids, 70-byte states; ~200 MB per million users; idle users "
                            + "are deleted by the sweep once nothing of theirs is held, see `" + SWEEP_INTERVAL_MS + "`), and every "
                            + "start replays the store's whole changelog instead of resuming from the local copy (measured: "
                            + "1.5-2.5 s from start to running with 1,000,000 users in it, against 1.2-1.3 s for RocksDB "
                            + "restoring the same changelog into an empty state directory, and ~0 with its directory kept). "
                            + "Since the ninth pass (2026-12-05, the issue-15 protocol, 200,000 requests, two rounds) the gain is "
                            + "larger: whole drain +18 / +10 %, warm +13 / +34 % (P1 0.71 / 0.64, P2b 1.38 / 1.50x against 0.62 / "
                            + "0.47 and 1.21 / 1.12x). Not the default because the heap then grows with the distinct user ids "
                            + "of a day, which whoever produces to llm.requests chooses: a producer inventing user ids at 1,000 "
                            + "requests/s would hold ~17 GB by the end of the day. Turn it on where user ids are authenticated "
                            + "(the gateway: the API key decides the user) and the heap is sized for a day's users.")
            .define(POLICY_CACHE_USERS, INT, DEFAULT_POLICY_CACHE_USERS, Range.between(0, 10_000_000), LOW,
                    "Users whose resolved limits each task keeps in front of the global policy store (llm.user-policies), "
                            + "least recently used out; 0 reads the store for every request. Never staler than the store: "
                            + "any write to it empties every task's cache. A user not kept costs a RocksDB lookup and an "
                            + "Avro decode per request, ~2 µs as deployed: with ~17,000 users a task (2026-12-07, 2,000,000 requests of "
                            + "100,000 users on 6 partitions, two runs of two rounds) a cache of 10,000 (the size before) "
                            + "cost the stream thread 14.2-17.5 µs per request against 11.3-15.2 at this default, whole "
                            + "drains 10-31 % slower. A user kept costs ~107-131 B of heap with 12- to 36-byte user ids "
                            + "(~171-195 B if its policy overrides a limit), so ~11-13 MB per task when full.")
            .define(MAX_MESSAGES, INT, DEFAULT_MAX_MESSAGES, Range.between(1, 10_000), MEDIUM, "Most messages in one request.")
            .define(MAX_MESSAGE_CHARS, INT, DEFAULT_MAX_MESSAGE_CHARS, Range.between(1, 10_000_000), MEDIUM,
                    "Most characters (UTF-16 units) in one message's content.")
            .define(MAX_TOTAL_CHARS, INT, DEFAULT_MAX_TOTAL_CHARS, Range.between(1, 100_000_000), MEDIUM,
                    "Most characters over all messages of a request.")
            .define(MAX_OUTPUT_TOKENS, INT, DEFAULT_MAX_OUTPUT_TOKENS, Range.between(1, 10_000_000), MEDIUM,
                    "Largest allowed `maxOutputTokens` (the smallest is 1).")
            .define(MAX_METADATA_ENTRIES, INT, DEFAULT_MAX_METADATA_ENTRIES, Range.between(0, 100_000), LOW,
                    "Most `metadata` entries in one request (16 is OpenAI's limit for request metadata).")
            .define(MAX_METADATA_BYTES, INT, DEFAULT_MAX_METADATA_BYTES, Range.between(0, 1_000_000), LOW,
                    "Most bytes of `metadata` (UTF-8 keys plus values) in one request. Metadata is copied into the admitted, "
                            + "enriched and result records, so it is kept far below the producer's 1 MiB record limit.")
            .define(MAX_REQUEST_BYTES, INT, DEFAULT_MAX_REQUEST_BYTES, Range.between(1_024, 1_000_000), LOW,
                    "Largest encoded request (the llm.requests record value), bytes (default 256 KiB). Every downstream record "
                            + "embeds the request, so this keeps them all within the brokers' and producers' 1 MiB record limit.");
    private static final ConfigDefinition TIER_TEMPLATE = tierDefinition("<tier>", null);

    /** The stage's own keys: type, default, valid values, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** The four per-tier keys, with {@code <tier>} for the tier's lower-case name and the defaults of each tier. */
    public static ConfigDefinition tierDefinition() {
        return TIER_TEMPLATE;
    }

    /** The keys of {@code tier} with its defaults; {@code defaults} null = the documentation template. */
    private static ConfigDefinition tierDefinition(String tier, TierLimits defaults) {
        ConfigDefinition d = ConfigDefinition.named("Admission: per-tier limits");
        tierKey(d, tierKey(tier, TIER_REQUESTS_PER_MINUTE), INT, defaults == null ? null : defaults.requestsPerMinute(),
                Range.between(0, 1_000_000), "Requests per sliding minute.", "10 in every tier");
        tierKey(d, tierKey(tier, TIER_REQUESTS_PER_DAY), INT, defaults == null ? null : defaults.requestsPerDay(),
                Range.between(0, Integer.MAX_VALUE), "Requests per UTC day.", "FREE 10, STARTER 50, PRO 999, other tiers 10");
        tierKey(d, tierKey(tier, TIER_TOKENS_PER_MINUTE), LONG, defaults == null ? null : defaults.tokensPerMinute(),
                Range.between(0, Long.MAX_VALUE / 4), "Estimated tokens per sliding minute.",
                "FREE 200000, STARTER 400000, PRO 2000000, other tiers 200000");
        tierKey(d, tierKey(tier, TIER_DAILY_BUDGET_MICROS), LONG, defaults == null ? null : defaults.dailyBudgetMicros(),
                Range.between(0, Long.MAX_VALUE / 4), "Budget per UTC day, micro-dollars.",
                "FREE 1000000 ($1), STARTER 10000000 ($10), PRO 100000000 ($100), other tiers $1");
        return d;
    }

    private static void tierKey(ConfigDefinition d, String key, Type type, Object defaultValue, Range range, String doc, String defaults) {
        if (defaultValue == null) {
            d.defineComputed(key, type, range, HIGH, doc, defaults);
        } else {
            d.define(key, type, defaultValue, range, HIGH, doc);
        }
    }

    public IngestConfig {
        tiers = Map.copyOf(tiers);
        if (!tiers.containsKey(defaultTier)) {
            throw ConfigException.invalid(CommonKeys.DEFAULT_TIER, "validation", defaultTier, "one of " + tiers.keySet());
        }
    }

    /** Reads and validates every key; the error names the key, its source and the bad value. */
    public static IngestConfig from(SluiceConfig c) {
        ConfigValues v = DEFINITION.validate(c);
        ConfigValues common = CommonKeys.read(c);
        Map<String, TierLimits> tiers = new LinkedHashMap<>();
        for (String raw : v.list(TIERS)) {
            String tier = raw.toUpperCase(Locale.ROOT);
            ConfigValues t = tierDefinition(tier, DEFAULT_TIERS.getOrDefault(tier, OTHER_TIER)).validate(c);
            tiers.put(tier, new TierLimits(
                    t.intValue(tierKey(tier, TIER_REQUESTS_PER_MINUTE)),
                    t.intValue(tierKey(tier, TIER_REQUESTS_PER_DAY)),
                    t.longValue(tierKey(tier, TIER_TOKENS_PER_MINUTE)),
                    t.longValue(tierKey(tier, TIER_DAILY_BUDGET_MICROS))));
        }
        if (tiers.isEmpty()) {
            throw ConfigException.invalid(TIERS, c.source(TIERS), c.string(TIERS, ""), "at least one tier name");
        }
        return new IngestConfig(
                v.optionalString(APPLICATION_ID).orElse(common.string(CommonKeys.TOPIC_PREFIX) + DEFAULT_APPLICATION_ID),
                v.intValue(STREAM_THREADS),
                v.duration(COMMIT_INTERVAL_MS),
                v.duration(FRESH_COMMIT_INTERVAL_MS),
                common.string(CommonKeys.STATE_DIR),
                v.optionalString(INSTANCE_ID).orElseGet(() -> Instances.ofStateDir(common.string(CommonKeys.STATE_DIR))),
                common.string(CommonKeys.DEFAULT_TIER).toUpperCase(Locale.ROOT),
                tiers,
                v.longValue(MAX_REQUEST_COST_MICROS),
                v.duration(DEDUPE_HORIZON_MS),
                v.duration(SWEEP_INTERVAL_MS),
                v.intValue(MAX_MESSAGES),
                v.intValue(MAX_MESSAGE_CHARS),
                v.intValue(MAX_TOTAL_CHARS),
                v.intValue(MAX_OUTPUT_TOKENS),
                v.intValue(MAX_METADATA_ENTRIES),
                v.intValue(MAX_METADATA_BYTES),
                v.intValue(MAX_REQUEST_BYTES),
                v.bool(USER_STATE_IN_MEMORY),
                v.intValue(POLICY_CACHE_USERS),
                ModelCatalog.from(c),
                CeilingConfig.from(c));
    }

    /** The full key of a per-tier setting, e.g. {@code tierKey("PRO", "requests.per.day")}. */
    public static String tierKey(String tier, String suffix) {
        return "ingest.tier." + tier.toLowerCase(Locale.ROOT) + "." + suffix;
    }

    /** Whether commits come every {@link #freshCommitInterval} while caught up (else every {@link #commitInterval} only). */
    public boolean pacesCommits() {
        return !freshCommitInterval.isZero() && freshCommitInterval.compareTo(commitInterval) < 0;
    }

    /** The limits of {@code tier}, if it is configured. */
    public Optional<TierLimits> tier(String tier) {
        return Optional.ofNullable(tiers.get(tier));
    }
}
