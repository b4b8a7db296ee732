package dev.sluice.common;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** UTC window arithmetic and the readable labels used in output keys ({@code 2025-03-01}, {@code 2025-03-01T14:00Z}). */
public final class UtcWindows {
    public static final Duration DAY = Duration.ofDays(1);
    public static final Duration HOUR = Duration.ofHours(1);
    private static final DateTimeFormatter DAY_LABEL = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR_LABEL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH':00Z'").withZone(ZoneOffset.UTC);

    private UtcWindows() {}

    /** Start of the tumbling window of {@code size} containing {@code epochMillis} (epoch-aligned, so UTC days and hours). */
    public static long windowStart(long epochMillis, Duration size) {
        return Math.floorDiv(epochMillis, size.toMillis()) * size.toMillis();
    }

    public static String day(long epochMillis) {
        return DAY_LABEL.format(Instant.ofEpochMilli(epochMillis));
    }

    public static String hour(long epochMillis) {
        return HOUR_LABEL.format(Instant.ofEpochMilli(epochMillis));
    }
}
