package dev.sluice.gateway;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.time.Duration;
import java.util.UUID;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ModelCatalog;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.contracts.Pipeline;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * Configuration of the gateway (environment variable {@code SLUICE_} + key in upper snake case); every key's
 * meaning, unit, type, default and valid values are declared once, in {@link #definition()}. Built and validated once
 * by {@link #from(SluiceConfig)}; every error names the key, its source and the bad value.
 */
public record GatewayConfig(int port, Duration maxWait, Duration outcomeLookback, int recentOutcomes,
                            int defaultMaxOutputTokens, int maxBodyBytes, int httpThreads, String instanceId,
                            int maxOpenWaits, int replyPartitions, String groupId, boolean answerOwnOutcomes, ModelCatalog models) {
    public static final String PORT = "gateway.port";
    /** Default of {@link #PORT}. */
    public static final int DEFAULT_PORT = 8088;
    public static final String MAX_WAIT_MS = "gateway.max.wait.ms";
    /** Default of {@link #MAX_WAIT_MS}, milliseconds. */
    public static final long DEFAULT_MAX_WAIT_MS = 60_000;
    public static final String OUTCOME_LOOKBACK_MS = "gateway.outcome.lookback.ms";
    /** Default of {@link #OUTCOME_LOOKBACK_MS}, milliseconds (10 min). */
    public static final long DEFAULT_OUTCOME_LOOKBACK_MS = 600_000;
    public static final String RECENT_OUTCOMES = "gateway.recent.outcomes";
    /** Default of {@link #RECENT_OUTCOMES}, outcomes. */
    public static final int DEFAULT_RECENT_OUTCOMES = 10_000;
    public static final String DEFAULT_MAX_OUTPUT_TOKENS = "gateway.default.max.output.tokens";
    /** Default of {@link #DEFAULT_MAX_OUTPUT_TOKENS}, tokens. */
    public static final int DEFAULT_DEFAULT_MAX_OUTPUT_TOKENS = 1024;
    public static final String MAX_BODY_BYTES = "gateway.max.body.bytes";
    /** Default of {@link #MAX_BODY_BYTES}, bytes (1 MiB). */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    public static final String HTTP_THREADS = "gateway.http.threads";
    /** Default of {@link #HTTP_THREADS}, threads. */
    public static final int DEFAULT_HTTP_THREADS = 8;
    public static final String INSTANCE_ID = "gateway.instance.id";
    public static final String MAX_OPEN_WAITS = "gateway.max.open.waits";
    /** Default of {@link #MAX_OPEN_WAITS}, calls. */
    public static final int DEFAULT_MAX_OPEN_WAITS = 2048;
    public static final String REPLY_PARTITIONS = "gateway.reply.partitions";
    /** Default of {@link #REPLY_PARTITIONS}, partitions. */
    public static final int DEFAULT_REPLY_PARTITIONS = Pipeline.GATEWAY_REPLY_PARTITIONS;
    public static final String ANSWER_OWN_OUTCOMES = "gateway.answer.own.outcomes";
    public static final String GROUP_ID = "gateway.group.id";
    /** The group id prefix after the topic prefix: the default is {@code <topic.prefix>sluice-gateway}. */
    public static final String DEFAULT_GROUP_ID = "sluice-gateway";

    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Gateway (`sluice run gateway`)")
            .define(PORT, INT, DEFAULT_PORT, Range.between(0, 65_535), HIGH, "Port of the OpenAI-compatible API; 0 = any free port.")
            .define(MAX_WAIT_MS, LONG, DEFAULT_MAX_WAIT_MS, Range.between(100, 3_600_000), MEDIUM,
                    "Longest a call waits for its outcome before a 504 with the request id, ms. A client may ask for less with "
                            + "the `X-Sluice-Wait-Ms` header.")
            .define(OUTCOME_LOOKBACK_MS, LONG, DEFAULT_OUTCOME_LOOKBACK_MS, Range.between(0, 7L * 86_400_000), LOW,
                    "How far back a lookup searches the outcome topics, ms (default 10 min): a request of that age can still be "
                            + "fetched with `GET /v1/sluice/requests/REQUEST_ID` from any instance, and a retry answered `DUPLICATE` "
                            + "still finds the first attempt's result when another instance received it.")
            .define(RECENT_OUTCOMES, INT, DEFAULT_RECENT_OUTCOMES, Range.between(0, 10_000_000), LOW,
                    "Outcomes remembered per instance for duplicates and `GET /v1/sluice/requests/REQUEST_ID`.")
            .define(DEFAULT_MAX_OUTPUT_TOKENS, INT, DEFAULT_DEFAULT_MAX_OUTPUT_TOKENS, Range.between(1, 1_000_000), MEDIUM,
                    "`maxOutputTokens` of a call that names neither `max_completion_tokens` nor `max_tokens`. Budgets reserve this many.")
            .define(MAX_BODY_BYTES, INT, DEFAULT_MAX_BODY_BYTES, Range.between(1024, 256 << 20), LOW,
                    "Largest request body (except file uploads), bytes.")
            .define(HTTP_THREADS, INT, DEFAULT_HTTP_THREADS, Range.between(1, 1024), LOW,
                    "Threads parsing requests and writing answers (waiting holds no thread).")
            .defineComputed(INSTANCE_ID, STRING, null, LOW, "This instance's name in metadata and client ids.",
                    "a random id per process (`gw-` + 8 hex digits)")
            .define(MAX_OPEN_WAITS, INT, DEFAULT_MAX_OPEN_WAITS, Range.between(1, 1_000_000), MEDIUM,
                    "Most calls waiting for their outcome at once on this instance; beyond it a call is answered 503 "
                            + "`server_overloaded` with `Retry-After: 1` at once. Every waiting call holds a connection (a file "
                            + "descriptor), so keep this well below the process's open-file limit (`ulimit -n`).")
            .define(REPLY_PARTITIONS, INT, DEFAULT_REPLY_PARTITIONS, Range.between(1, 10_000), MEDIUM,
                    "Partitions of `llm.gateway.replies`, created with this count if the topic does not exist. Each instance "
                            + "owns at least one (a consumer group assigns them), so this is the most gateway instances that can run "
                            + "side by side: an instance left without a partition is not ready and answers chat calls with 503.")
            .define(ANSWER_OWN_OUTCOMES, BOOLEAN, true, null, LOW,
                    "Whether an instance answers its own calls' outcomes that its router reads, without copying them through "
                            + "`llm.gateway.replies` (only on reply partitions it has owned for longer than `gateway.max.wait.ms`, "
                            + "so no other instance can be waiting on them). `false` copies every outcome, as before 3 Dec 2026.")
            .defineComputed(GROUP_ID, STRING, null, LOW,
                    "Consumer group prefix of the gateway instances: this value + `-router` shares the outcome topics among "
                            + "them, this value + `-replies` shares the reply partitions.", "`<topic.prefix>sluice-gateway`");

    /** Every key of the gateway: type, default, valid values, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    public static GatewayConfig from(SluiceConfig c) {
        ConfigValues v = DEFINITION.validate(c);
        return new GatewayConfig(
                v.intValue(PORT),
                v.duration(MAX_WAIT_MS),
                v.duration(OUTCOME_LOOKBACK_MS),
                v.intValue(RECENT_OUTCOMES),
                v.intValue(DEFAULT_MAX_OUTPUT_TOKENS),
                v.intValue(MAX_BODY_BYTES),
                v.intValue(HTTP_THREADS),
                v.optionalString(INSTANCE_ID).orElseGet(() -> "gw-" + UUID.randomUUID().toString().substring(0, 8)),
                v.intValue(MAX_OPEN_WAITS),
                v.intValue(REPLY_PARTITIONS),
                v.optionalString(GROUP_ID).orElse(CommonKeys.read(c).string(CommonKeys.TOPIC_PREFIX) + DEFAULT_GROUP_ID),
                v.bool(ANSWER_OWN_OUTCOMES),
                ModelCatalog.from(c));
    }
}
