package dev.sluice.generation.provider;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The simulated provider's behaviour.
 *
 * @param latencyMillis       median latency of a call, in milliseconds
 * @param latencySpreadMillis latency is uniform in {@code latencyMillis ± spread}, in milliseconds (0 = fixed)
 * @param outputTokens        output tokens of every answer (capped by the request's maxOutputTokens)
 * @param failureRate         probability in [0, 1] that a call fails
 * @param failureClass        the class of those failures (e.g. OVERLOADED is retried, SERVER_ERROR is not)
 * @param seed                random seed, so runs are repeatable
 * @param outageFile          while this file exists every call fails as OVERLOADED (a 503: retried, counted by the
 *                            breaker); {@code null} = no outage switch. Lets a demo or a test from another process
 *                            start and end a provider outage without restarting the stage
 */
public record SimulatedSettings(long latencyMillis, long latencySpreadMillis, long outputTokens, double failureRate,
                                ErrorClass failureClass, long seed, Path outageFile) {
    public SimulatedSettings {
        if (latencyMillis < 0 || latencySpreadMillis < 0 || latencySpreadMillis > latencyMillis) {
            throw new IllegalArgumentException("latency " + latencyMillis + " ms ± " + latencySpreadMillis
                    + " ms: both must be non-negative and the spread at most the latency");
        }
        if (!(failureRate >= 0 && failureRate <= 1)) {
            throw new IllegalArgumentException("failure rate must be in [0, 1], got " + failureRate);
        }
    }

    /** Fixed latency, no failures, 64 output tokens. */
    public static SimulatedSettings fixed(long latencyMillis) {
        return new SimulatedSettings(latencyMillis, 0, 64, 0, ErrorClass.OVERLOADED, 42, null);
    }

    /** The same behaviour with an outage switch at {@code file}. */
    public SimulatedSettings withOutageFile(Path file) {
        return new SimulatedSettings(latencyMillis, latencySpreadMillis, outputTokens, failureRate, failureClass, seed, file);
    }

    long sampleLatencyMillis(SplittableRandom random) {
        if (latencySpreadMillis == 0) {
            return latencyMillis;
        }
        return latencyMillis - latencySpreadMillis + random.nextLong(2 * latencySpreadMillis + 1);
    }
}
