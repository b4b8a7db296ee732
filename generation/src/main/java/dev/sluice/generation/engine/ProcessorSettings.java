package dev.sluice.generation.engine;

import java.time.Duration;

/**
 * @param cacheEnabled  whether the exact response cache is used
 * @param cacheTtl      how long a cached answer is served
 * @param doneTtl       how long a completed-but-uncommitted result is kept for re-emission after a crash
 */
public record ProcessorSettings(boolean cacheEnabled, Duration cacheTtl, Duration doneTtl) {
    public static ProcessorSettings defaults() {
        return new ProcessorSettings(true, Duration.ofHours(1), Duration.ofHours(24));
    }
}
