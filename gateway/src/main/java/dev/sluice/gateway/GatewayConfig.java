package dev.sluice.gateway;

import java.time.Duration;
import java.util.UUID;

import dev.sluice.common.ModelCatalog;
import dev.sluice.common.SluiceConfig;
import dev.sluice.schemas.Pipeline;

/**
 * Configuration of the gateway (environment variable {@code SLUICE_} + key in upper snake case). Built and
 * validated once by {@link #from(SluiceConfig)}; every error names the key, its source and the bad value.
 */
public record GatewayConfig(int port, Duration maxWait, Duration outcomeLookback, int recentOutcomes,
                            int defaultMaxOutputTokens, int maxBodyBytes, int httpThreads, String instanceId,
                            int maxOpenWaits, int replyPartitions, String groupId, ModelCatalog models) {
    /** Port of the OpenAI-compatible API; default 8088, 0 = any free port. */
    public static final String PORT = "gateway.port";
    /** Longest a call waits for its outcome before a 504 with the request id, milliseconds; default 60000. A client may ask for less with the {@code X-Sluice-Wait-Ms} header. */
    public static final String MAX_WAIT_MS = "gateway.max.wait.ms";
    /**
     * How far back a lookup searches the outcome topics, milliseconds; default 600000 (10 min): a request of that age
     * can still be fetched with {@code GET /v1/sluice/requests/REQUEST_ID} from any instance, and a retry answered
     * {@code DUPLICATE} still finds the first attempt's result when another instance received it.
     */
    public static final String OUTCOME_LOOKBACK_MS = "gateway.outcome.lookback.ms";
    /** Outcomes remembered per instance for duplicates and {@code GET /v1/sluice/requests/REQUEST_ID}; default 10000. */
    public static final String RECENT_OUTCOMES = "gateway.recent.outcomes";
    /** {@code maxOutputTokens} of a call that names neither {@code max_completion_tokens} nor {@code max_tokens}; default 1024. Budgets reserve this many. */
    public static final String DEFAULT_MAX_OUTPUT_TOKENS = "gateway.default.max.output.tokens";
    /** Largest request body (except file uploads), bytes; default 1048576 (1 MiB). */
    public static final String MAX_BODY_BYTES = "gateway.max.body.bytes";
    /** Threads parsing requests and writing answers (waiting holds no thread); default 8. */
    public static final String HTTP_THREADS = "gateway.http.threads";
    /** This instance's name in metadata and client ids; default a random id per process. */
    public static final String INSTANCE_ID = "gateway.instance.id";

    /**
     * Most calls waiting for their outcome at once on this instance; beyond it a call is answered 503
     * {@code server_overloaded} with {@code Retry-After: 1} at once. Every waiting call holds a connection (a file
     * descriptor), so keep this well below the process's open-file limit ({@code ulimit -n}); default 2048.
     */
    public static final String MAX_OPEN_WAITS = "gateway.max.open.waits";
    public static final int DEFAULT_MAX_OPEN_WAITS = 2048;
    /**
     * Partitions of {@code llm.gateway.replies}, created with this count if the topic does not exist; default 16. Each
     * instance owns at least one (a consumer group assigns them), so this is the most gateway instances that can run
     * side by side: an instance left without a partition is not ready and answers chat calls with 503.
     */
    public static final String REPLY_PARTITIONS = "gateway.reply.partitions";
    public static final int DEFAULT_REPLY_PARTITIONS = Pipeline.GATEWAY_REPLY_PARTITIONS;
    /**
     * Consumer group prefix of the gateway instances: this value + {@code -router} shares the outcome topics among
     * them, this value + {@code -replies} shares the reply partitions; default {@code topic.prefix} + {@code sluice-gateway}.
     */
    public static final String GROUP_ID = "gateway.group.id";

    public static final int DEFAULT_PORT = 8088;

    public static GatewayConfig from(SluiceConfig c) {
        return new GatewayConfig(
                c.intValue(PORT, DEFAULT_PORT, 0, 65_535),
                Duration.ofMillis(c.longValue(MAX_WAIT_MS, 60_000, 100, 3_600_000)),
                Duration.ofMillis(c.longValue(OUTCOME_LOOKBACK_MS, 600_000, 0, 7L * 86_400_000)),
                c.intValue(RECENT_OUTCOMES, 10_000, 0, 10_000_000),
                c.intValue(DEFAULT_MAX_OUTPUT_TOKENS, 1024, 1, 1_000_000),
                c.intValue(MAX_BODY_BYTES, 1 << 20, 1024, 256 << 20),
                c.intValue(HTTP_THREADS, 8, 1, 1024),
                c.string(INSTANCE_ID, "gw-" + UUID.randomUUID().toString().substring(0, 8)),
                c.intValue(MAX_OPEN_WAITS, DEFAULT_MAX_OPEN_WAITS, 1, 1_000_000),
                c.intValue(REPLY_PARTITIONS, DEFAULT_REPLY_PARTITIONS, 1, 10_000),
                c.string(GROUP_ID, c.string(dev.sluice.common.CommonKeys.TOPIC_PREFIX, "") + "sluice-gateway"),
                ModelCatalog.from(c));
    }
}
