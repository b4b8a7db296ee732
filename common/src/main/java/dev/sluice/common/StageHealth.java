package dev.sluice.common;

import java.util.Map;

/**
 * What a stage reports on {@code /health}: {@code live} (the process should not be restarted),
 * {@code ready} (it is doing its work), {@code degraded} (working on a fallback, e.g. Redis down) and
 * details per dependency, e.g. {@code redis=DOWN}, {@code breaker.openai.gpt-4o-mini=OPEN}.
 */
public record StageHealth(boolean live, boolean ready, boolean degraded, Map<String, String> details) {
    public StageHealth {
        details = Map.copyOf(details);
    }

    public static StageHealth up(Map<String, String> details) {
        return new StageHealth(true, true, false, details);
    }
}
