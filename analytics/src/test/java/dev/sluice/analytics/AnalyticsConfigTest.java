package dev.sluice.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import org.junit.jupiter.api.Test;

class AnalyticsConfigTest {
    @Test
    void shouldDefaultToTheDefaultConstantsWithThePrefixedApplicationId() {
        AnalyticsConfig c = AnalyticsConfig.from(SluiceConfig.of(Map.of("topic.prefix", "t1.")));
        AnalyticsConfig d0 = AnalyticsConfig.defaults();
        assertThat(c).isEqualTo(new AnalyticsConfig("t1." + AnalyticsConfig.DEFAULT_APPLICATION_ID, d0.grace(), d0.dedupeHorizon(),
                d0.topSpenders(), d0.commitInterval()));
        DashboardConfig d = DashboardConfig.from(SluiceConfig.of(Map.of()));
        assertThat(d.enabled()).isEqualTo(DashboardConfig.DEFAULT_ENABLED);
        assertThat(d.bindAddress()).isEqualTo(DashboardConfig.DEFAULT_BIND_ADDRESS);
        assertThat(d.port()).isEqualTo(DashboardConfig.DEFAULT_PORT);
        assertThat(d.refresh()).isEqualTo(DashboardConfig.DEFAULT_REFRESH);
        assertThat(d.scrapeUrls()).isEmpty();
    }

    @Test
    void shouldUseASetApplicationIdAsItIs() {
        assertThat(AnalyticsConfig.from(SluiceConfig.of(Map.of("topic.prefix", "t1.", "analytics.application.id", "mine")))
                .applicationId()).isEqualTo("mine");
    }

    @Test
    void shouldNameKeyAndValueWhenADurationIsNegative() {
        assertThatThrownBy(() -> AnalyticsConfig.from(SluiceConfig.of(Map.of("analytics.grace.ms", "-1"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("analytics.grace.ms").hasMessageContaining("'-1'");
    }

    @Test
    void shouldNameKeyAndValueWhenABooleanOrUrlIsBad() {
        assertThatThrownBy(() -> DashboardConfig.from(SluiceConfig.of(Map.of("dashboard.enabled", "perhaps"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dashboard.enabled").hasMessageContaining("'perhaps'");
        assertThatThrownBy(() -> DashboardConfig.from(SluiceConfig.of(Map.of("dashboard.scrape.urls", "http://a/metrics, ftp://b"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dashboard.scrape.urls").hasMessageContaining("ftp://b");
    }
}
