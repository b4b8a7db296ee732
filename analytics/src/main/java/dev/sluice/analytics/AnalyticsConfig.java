package dev.sluice.analytics;

import java.time.Duration;

import dev.sluice.common.SluiceConfig;

/**
 * Settings of the analytics app and the dead-letter tools, validated at start. Every key can also be set as an
 * environment variable ({@code SLUICE_} + key upper-cased, dots as underscores).
 *
 * @param applicationId Kafka Streams application id, before the topic prefix
 * @param grace         how late a cost or rejection may arrive and still land in its window
 * @param dedupeHorizon how long a requestId is remembered to drop duplicate cost events
 * @param topSpenders   how many users {@code llm.analytics.top-spenders-by-day} keeps per day
 * @param commitInterval Streams commit interval (exactly-once transactions are committed this often)
 * @param maxReplays    default replay limit of {@code sluice dlq replay}
 */
public record AnalyticsConfig(String applicationId, Duration grace, Duration dedupeHorizon, int topSpenders,
                              Duration commitInterval, int maxReplays) {
    /** Kafka Streams application id (the topic prefix is put in front). Default {@value #DEFAULT_APPLICATION_ID}. */
    public static final String APPLICATION_ID = "analytics.application.id";
    public static final String DEFAULT_APPLICATION_ID = "sluice-analytics";
    /**
     * Grace period in milliseconds: an event up to this much older than the newest event seen still lands in its
     * window; older ones are dropped and counted ({@code sluice.analytics.late.dropped}). Default 1 hour.
     */
    public static final String GRACE_MS = "analytics.grace.ms";
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    /**
     * Deduplication horizon in milliseconds: a cost event whose requestId was counted within this span (event time)
     * is dropped as a duplicate. Default 7 days, the retention of {@code llm.costs}.
     */
    public static final String DEDUPE_HORIZON_MS = "analytics.dedupe.horizon.ms";
    public static final Duration DEFAULT_DEDUPE_HORIZON = Duration.ofDays(7);
    /** Number of users ranked per day in the top-spenders topic. Default {@value #DEFAULT_TOP_SPENDERS}. */
    public static final String TOP_SPENDERS = "analytics.top.spenders";
    public static final int DEFAULT_TOP_SPENDERS = 10;
    /** Streams commit interval in milliseconds (output latency of the exactly-once app). Default 1000. */
    public static final String COMMIT_INTERVAL_MS = "analytics.commit.interval.ms";
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);
    /** Replays after which {@code sluice dlq replay} refuses a dead letter (loop guard). Default {@value #DEFAULT_MAX_REPLAYS}. */
    public static final String DLQ_MAX_REPLAYS = "dlq.max.replays";
    public static final int DEFAULT_MAX_REPLAYS = 3;

    public AnalyticsConfig {
        if (grace.isNegative() || dedupeHorizon.isNegative() || dedupeHorizon.isZero()) {
            throw new IllegalArgumentException("grace must be >= 0 and the dedupe horizon > 0, got " + grace + " / " + dedupeHorizon);
        }
    }

    public static AnalyticsConfig defaults() {
        return new AnalyticsConfig(DEFAULT_APPLICATION_ID, DEFAULT_GRACE, DEFAULT_DEDUPE_HORIZON, DEFAULT_TOP_SPENDERS,
                DEFAULT_COMMIT_INTERVAL, DEFAULT_MAX_REPLAYS);
    }

    public static AnalyticsConfig from(SluiceConfig config) {
        return new AnalyticsConfig(
                config.string(APPLICATION_ID, DEFAULT_APPLICATION_ID),
                config.millis(GRACE_MS, DEFAULT_GRACE),
                Duration.ofMillis(config.longValue(DEDUPE_HORIZON_MS, DEFAULT_DEDUPE_HORIZON.toMillis(), 1, Long.MAX_VALUE / 4)),
                config.intValue(TOP_SPENDERS, DEFAULT_TOP_SPENDERS, 1, 1000),
                Duration.ofMillis(config.longValue(COMMIT_INTERVAL_MS, DEFAULT_COMMIT_INTERVAL.toMillis(), 10, 600_000)),
                config.intValue(DLQ_MAX_REPLAYS, DEFAULT_MAX_REPLAYS, 0, 1000));
    }

    public AnalyticsConfig withGrace(Duration newGrace) {
        return new AnalyticsConfig(applicationId, newGrace, dedupeHorizon, topSpenders, commitInterval, maxReplays);
    }
}
