package dev.sluice.ingest.ceiling;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;

import java.time.Duration;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import org.apache.kafka.common.config.ConfigDef.Range;

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
    public static final String PER_MINUTE_MICROS = "ingest.global.budget.per.minute.micros";
    public static final String PER_DAY_MICROS = "ingest.global.budget.per.day.micros";
    public static final String SLICE_MICROS = "ingest.global.lease.slice.micros";
    public static final String RETURN_IDLE_MS = "ingest.global.lease.return.idle.ms";
    /** Default of {@link #PER_MINUTE_MICROS}, {@link #PER_DAY_MICROS} and {@link #SLICE_MICROS}: 0 (none / automatic). */
    public static final long DEFAULT_MICROS = 0;
    /** Default of {@link #RETURN_IDLE_MS}, milliseconds. */
    public static final long DEFAULT_RETURN_IDLE_MS = 5_000;

    private static final Range MICROS = Range.between(0, Long.MAX_VALUE / 4);
    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Admission: global spend ceiling")
            .define(PER_MINUTE_MICROS, LONG, DEFAULT_MICROS, MICROS, HIGH,
                    "Worst-case money admitted per UTC minute across all users, micro-dollars; 0 = no ceiling.")
            .define(PER_DAY_MICROS, LONG, DEFAULT_MICROS, MICROS, HIGH,
                    "Worst-case money admitted per UTC day across all users, micro-dollars; 0 = no ceiling. At least the "
                            + "per-minute ceiling when both are set.")
            .define(SLICE_MICROS, LONG, DEFAULT_MICROS, MICROS, LOW,
                    "Size of one lease slice an admission task asks the coordinator for, micro-dollars; 0 = automatic (a "
                            + "quarter of ceiling / partitions). Smaller slices strand less money in idle partitions, larger ones "
                            + "send fewer lease records.")
            .define(RETURN_IDLE_MS, LONG, DEFAULT_RETURN_IDLE_MS, Range.between(100, 86_400_000), LOW,
                    "How long an admission task's lease must go unused (wall-clock) before it hands its unused slices back "
                            + "to the coordinator for busier partitions, ms.");

    /** No ceiling. */
    public static final CeilingConfig NONE = new CeilingConfig(0, 0, 0, Duration.ofMillis(DEFAULT_RETURN_IDLE_MS));

    public CeilingConfig {
        if (perMinuteMicros < 0 || perDayMicros < 0 || sliceMicros < 0) {
            throw new IllegalArgumentException("ceilings and slice must be >= 0");
        }
    }

    /** The ceiling's keys: type, default, valid values, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** Reads and validates the keys; the error names the key, its source and the bad value. */
    public static CeilingConfig from(SluiceConfig c) {
        ConfigValues v = DEFINITION.validate(c);
        long minute = v.longValue(PER_MINUTE_MICROS);
        long day = v.longValue(PER_DAY_MICROS);
        if (minute > 0 && day > 0 && day < minute) {
            throw ConfigException.invalid(PER_DAY_MICROS, c.source(PER_DAY_MICROS), Long.toString(day),
                    "at least " + PER_MINUTE_MICROS + " (" + minute + ") or 0");
        }
        return new CeilingConfig(minute, day, v.longValue(SLICE_MICROS), v.duration(RETURN_IDLE_MS));
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
