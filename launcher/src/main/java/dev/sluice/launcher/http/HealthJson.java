package dev.sluice.launcher.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.common.StageHealth;

/** {@link StageHealth} as the JSON body of {@code /health}, and the combination of several stages' health. */
public final class HealthJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthJson() {}

    /** {@code {"status":"UP|DEGRADED|DOWN","live":…,"ready":…,"degraded":…,"details":{…}}}. */
    public static String render(StageHealth health) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status(health));
        body.put("live", health.live());
        body.put("ready", health.ready());
        body.put("degraded", health.degraded());
        body.put("details", new TreeMap<>(health.details()));
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not render health", e);
        }
    }

    /** UP when ready and not degraded, DEGRADED when ready on a fallback, DOWN otherwise. */
    public static String status(StageHealth health) {
        return !health.ready() ? "DOWN" : health.degraded() ? "DEGRADED" : "UP";
    }

    /** Several stages in one process: live/ready only if all are, degraded if any is; details as {@code stage.key}. */
    public static StageHealth combine(Map<String, StageHealth> byStage) {
        boolean live = true;
        boolean ready = !byStage.isEmpty();
        boolean degraded = false;
        Map<String, String> details = new TreeMap<>();
        for (Map.Entry<String, StageHealth> e : byStage.entrySet()) {
            StageHealth h = e.getValue();
            live &= h.live();
            ready &= h.ready();
            degraded |= h.degraded();
            details.put(e.getKey(), status(h));
            h.details().forEach((k, v) -> details.put(e.getKey() + "." + k, v));
        }
        return new StageHealth(live, ready, degraded, details);
    }

    /** Health of a stage that failed to answer {@code health()} itself. */
    public static StageHealth failed(String why) {
        return new StageHealth(false, false, false, Map.of("error", why));
    }

    /** Health before the stage has started. */
    public static StageHealth starting(List<String> stages) {
        return new StageHealth(true, false, false, Map.of("state", "STARTING", "stages", String.join(",", stages)));
    }
}
