package dev.sluice.launcher.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.common.StageHealth;
import org.junit.jupiter.api.Test;

class HealthJsonTest {
    @Test
    void shouldBeReadyOnlyWhenEveryStageIsAndDegradedWhenAnyIs() {
        Map<String, StageHealth> stages = new LinkedHashMap<>();
        stages.put("ingest", StageHealth.up(Map.of("streams", "RUNNING")));
        stages.put("enrichment", new StageHealth(true, true, true, Map.of("redis", "DOWN")));

        StageHealth ready = HealthJson.combine(stages);
        stages.put("generation", new StageHealth(true, false, false, Map.of()));
        StageHealth notReady = HealthJson.combine(stages);

        assertThat(ready.ready()).isTrue();
        assertThat(ready.degraded()).isTrue();
        assertThat(ready.details()).containsEntry("enrichment.redis", "DOWN").containsEntry("ingest", "UP")
                .containsEntry("enrichment", "DEGRADED");
        assertThat(notReady.ready()).isFalse();
        assertThat(notReady.details()).containsEntry("generation", "DOWN");
    }

    @Test
    void shouldNotBeReadyWithNoStages() {
        assertThat(HealthJson.combine(Map.of()).ready()).isFalse();
    }
}
