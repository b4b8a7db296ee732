package dev.sluice.ingest.ceiling;

import java.time.Duration;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;

/**
 * The global spend ceiling across all users: worst-case money admitted per UTC minute and per UTC day, whoever the
 * users are. 0 turns a window off; both 0 (the default) leaves the ceiling out of the topology entirely.
 *
 * @param perMinuteMicros ceiling per UTC minute (fixed window {@code floor(t / 60 s)}), micro-dollars; 0 = none
 * @param perDayMicros    ceiling per UTC day, micro-dollars; 0 = none
 * @param sliceMicros     how much one lease request asks the coordinator for, micro-dollars; 0 = automatic
 *                        (a quarter of a partition's fair share of the ceiling, at least 1)
 * @param returnIdle      how long a task's lease must go unused before its unused slices go back to the coordinator
 */
public record CeilingConfig(long perMinuteMicros, long perDayMicros, long sliceMicros, Duration returnIdle) {
    /** Worst-case money admitted per UTC minute across all users, micro-dollars; default 0 (no ceiling). */
    public static final String PER_MINUTE_MICROS = "ingest.global.budget.per.minute.micros";
    /** Worst-case money admitted per UTC day across all users, micro-dollars; default 0 (no ceiling). */
    public static final String PER_DAY_MICROS = "ingest.global.budget.per.day.micros";
    /**
     * Size of one lease slice an admission task asks the coordinator for, micro-dollars; default 0 = automatic (a
     * quarter of ceiling / partitions). Smaller slices strand less money in idle partitions, larger ones send fewer
     * lease records.
     */
    public static final String SLICE_MICROS = "ingest.global.lease.slice.micros";
    /**
     * How long an admission task's lease must go unused (wall-clock) before it hands its unused slices back to the
     * coordinator for busier partitions, milliseconds; default 5000.
     */
    public static final String RETURN_IDLE_MS = "ingest.global.lease.return.idle.ms";

    /** Default of {@link #RETURN_IDLE_MS}, milliseconds. */
    public static final long DEFAULT_RETURN_IDLE_MS = 5_000;
    /** No ceiling. */
    public static final CeilingConfig NONE = new CeilingConfig(0, 0, 0, Duration.ofMillis(DEFAULT_RETURN_IDLE_MS));

    public CeilingConfig {
        if (perMinuteMicros < 0 || perDayMicros < 0 || sliceMicros < 0) {
            throw new IllegalArgumentException("ceilings and slice must be >= 0");
        }
    }

    /** Reads and validates the keys; the error names the key, its source and the bad value. */
    public static CeilingConfig from(SluiceConfig c) {
        long minute = c.longValue(PER_MINUTE_MICROS, 0, 0, Long.MAX_VALUE / 4);
        long day = c.longValue(PER_DAY_MICROS, 0, 0, Long.MAX_VALUE / 4);
        if (minute > 0 && day > 0 && day < minute) {
            throw ConfigException.invalid(PER_DAY_MICROS, c.source(PER_DAY_MICROS), Long.toString(day),
                    "at least " + PER_MINUTE_MICROS + " (" + minute + ") or 0");
        }
        return new CeilingConfig(minute, day, c.longValue(SLICE_MICROS, 0, 0, Long.MAX_VALUE / 4),
                Duration.ofMillis(c.longValue(RETURN_IDLE_MS, DEFAULT_RETURN_IDLE_MS, 100, 86_400_000)));
    }

    /** Whether any window has a ceiling. */
    public boolean enabled() {
        return perMinuteMicros > 0 || perDayMicros > 0;
    }

    /** The ceiling of {@code window}, 0 if it has none. */
    public long ceiling(CeilingWindow window) {
        return window == CeilingWindow.MINUTE ? perMinuteMicros : perDayMicros;
    }

    /**
     * A partition's base share of {@code window}'s ceiling: half the ceiling split evenly, held by every task from the
     * window's start without asking, so a burst's first requests never wait for the coordinator. The coordinator
     * hands out only the rest, so base shares plus grants never exceed the ceiling.
     */
    public long baseShare(CeilingWindow window, int partitions) {
        return ceiling(window) / 2 / partitions;
    }

    /** What the coordinator may grant in {@code window}: the ceiling minus every partition's base share. */
    public long pool(CeilingWindow window, int partitions) {
        return ceiling(window) - baseShare(window, partitions) * partitions;
    }

    /** One slice of {@code window}'s ceiling. */
    public long slice(CeilingWindow window, int partitions) {
        return sliceMicros > 0 ? sliceMicros : Math.max(1, ceiling(window) / partitions / 4);
    }
}
