package dev.sluice.analytics;

import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.time.Duration;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.Instances;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * Settings of the analytics app and the dead-letter tools, validated at start; every key's meaning, unit, type,
 * default and valid values are declared once, in {@link #definition()}. Every key can also be set as an
 * environment variable ({@code SLUICE_} + key upper-cased, dots as underscores).
 *
 * @param applicationId Kafka Streams application id, as used (the default has the topic prefix in front)
 * @param grace         how late a cost or rejection may arrive and still land in its window
 * @param dedupeHorizon how long a requestId is remembered to drop duplicate cost events
 * @param topSpenders   how many users {@code llm.analytics.top-spenders-by-day} keeps per day
 * @param commitInterval Streams commit interval (exactly-once transactions are committed this often)
 * @param instanceId    this instance's stable id in its consumer group (static membership)
 */
public record AnalyticsConfig(String applicationId, Duration grace, Duration dedupeHorizon, int topSpenders,
                              Duration commitInterval, String instanceId) {
    public static final String APPLICATION_ID = "analytics.application.id";
    /** The application id after the topic prefix: the default is {@code <topic.prefix>sluice-analytics}. */
    public static final String DEFAULT_APPLICATION_ID = "sluice-analytics";
    public static final String INSTANCE_ID = "analytics.instance.id";
    public static final String GRACE_MS = "analytics.grace.ms";
    /** Default of {@link #GRACE_MS}: 1 hour. */
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    public static final String DEDUPE_HORIZON_MS = "analytics.dedupe.horizon.ms";
    /** Default of {@link #DEDUPE_HORIZON_MS}: 7 days, the retention of {@code llm.costs}. */
    public static final Duration DEFAULT_DEDUPE_HORIZON = Duration.ofDays(7);
    public static final String TOP_SPENDERS = "analytics.top.spenders";
    /** Default of {@link #TOP_SPENDERS}, users per day. */
    public static final int DEFAULT_TOP_SPENDERS = 10;
    public static final String COMMIT_INTERVAL_MS = "analytics.commit.interval.ms";
    /** Default of {@link #COMMIT_INTERVAL_MS}: 1 s. */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);

    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Analytics (`sluice run analytics`)")
            .defineComputed(APPLICATION_ID, STRING, null, MEDIUM,
                    "Kafka Streams application id (consumer group, prefix of internal topics).", "`<topic.prefix>sluice-analytics`")
            .defineComputed(INSTANCE_ID, STRING, null, MEDIUM,
                    Instances.STREAMS_INSTANCE_ID_DOC, Instances.STREAMS_INSTANCE_ID_DEFAULT)
            .define(GRACE_MS, LONG, DEFAULT_GRACE.toMillis(), Range.atLeast(0L), MEDIUM,
                    "Grace period, ms (default 1 hour): an event up to this much older than the newest event seen still lands in "
                            + "its window; older ones are dropped and counted (`sluice.analytics.late.dropped`).")
            .define(DEDUPE_HORIZON_MS, LONG, DEFAULT_DEDUPE_HORIZON.toMillis(), Range.between(1, Long.MAX_VALUE / 4), MEDIUM,
                    "Deduplication horizon, ms (default 7 days, the retention of `llm.costs`): a cost event whose requestId was "
                            + "counted within this span (event time) is dropped as a duplicate.")
            .define(TOP_SPENDERS, INT, DEFAULT_TOP_SPENDERS, Range.between(1, 1000), LOW,
                    "Number of users ranked per day in the top-spenders topic.")
            .define(COMMIT_INTERVAL_MS, LONG, DEFAULT_COMMIT_INTERVAL.toMillis(), Range.between(10, 600_000), LOW,
                    "Streams commit interval, ms (output latency of the exactly-once app).");

    public AnalyticsConfig {
        if (instanceId == null || instanceId.isBlank()) {
            throw new IllegalArgumentException("the instance id must not be blank");
        }
        if (grace.isNegative() || dedupeHorizon.isNegative() || dedupeHorizon.isZero()) {
            throw new IllegalArgumentException("grace must be >= 0 and the dedupe horizon > 0, got " + grace + " / " + dedupeHorizon);
        }
    }

    public static AnalyticsConfig defaults() {
        return new AnalyticsConfig(DEFAULT_APPLICATION_ID, DEFAULT_GRACE, DEFAULT_DEDUPE_HORIZON, DEFAULT_TOP_SPENDERS,
                DEFAULT_COMMIT_INTERVAL, Instances.ofStateDir(CommonKeys.DEFAULT_STATE_DIR));
    }

    /** Every key of the analytics app: type, default, valid values, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** Reads and validates every key; errors name the key, its source and the bad value. */
    public static AnalyticsConfig from(SluiceConfig config) {
        ConfigValues v = DEFINITION.validate(config);
        ConfigValues common = CommonKeys.read(config);
        return new AnalyticsConfig(
                v.optionalString(APPLICATION_ID).orElse(common.string(CommonKeys.TOPIC_PREFIX) + DEFAULT_APPLICATION_ID),
                v.duration(GRACE_MS),
                v.duration(DEDUPE_HORIZON_MS),
                v.intValue(TOP_SPENDERS),
                v.duration(COMMIT_INTERVAL_MS),
                v.optionalString(INSTANCE_ID).orElseGet(() -> Instances.ofStateDir(common.string(CommonKeys.STATE_DIR))));
    }

    public AnalyticsConfig withGrace(Duration newGrace) {
        return new AnalyticsConfig(applicationId, newGrace, dedupeHorizon, topSpenders, commitInterval, instanceId);
    }
}
