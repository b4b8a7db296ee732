package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** One spelling of spans everywhere: what `load --duration` accepts, `dlq list --since` accepts too. */
class DurationsTest {
    @Test
    void shouldReadEveryUnitFromMillisecondsToDaysAndIso() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse(" 45 ")).isEqualTo(Duration.ofSeconds(45));
        assertThat(Durations.parse("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("p1d")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void shouldRefuseAnythingElseNamingTheTextAndTheSpellings() {
        for (String bad : new String[] {"soon", "-5s", "5w", "", "ms", "1.5h"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "' is not a duration").hasMessageContaining("500ms").hasMessageContaining("7d");
        }
    }
}
