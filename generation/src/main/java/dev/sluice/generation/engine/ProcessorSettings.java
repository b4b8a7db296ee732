package dev.sluice.generation.engine;

import java.time.Duration;

/**
 * @param cacheEnabled  whether the exact response cache is used
 * @param cacheTtl      how long a cached answer is served
 * @param doneTtl       how long a completed-but-uncommitted result is kept for re-emission after a crash
 * @param committedTtl  how long a committed requestId is remembered (re-deliveries and replays emit nothing)
 */
public record ProcessorSettings(boolean cacheEnabled, Duration cacheTtl, Duration doneTtl, Duration committedTtl) {
    public static ProcessorSettings defaults() {
        return new ProcessorSettings(true, Duration.ofHours(1), Duration.ofHours(24), Duration.ofHours(24));
    }
}
