package dev.sluice.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.Instances;
import dev.sluice.common.SluiceConfig;
import org.junit.jupiter.api.Test;

class AnalyticsConfigTest {
    @Test
    void shouldDefaultToTheDefaultConstantsWithThePrefixedApplicationId() {
        AnalyticsConfig c = AnalyticsConfig.from(SluiceConfig.of(Map.of("topic.prefix", "t1.")));
        AnalyticsConfig d0 = AnalyticsConfig.defaults();
        assertThat(c).isEqualTo(new AnalyticsConfig("t1." + AnalyticsConfig.DEFAULT_APPLICATION_ID, d0.grace(), d0.dedupeHorizon(),
                d0.topSpenders(), d0.commitInterval(), d0.instanceId()));
        DashboardConfig d = DashboardConfig.from(SluiceConfig.of(Map.of()));
        assertThat(d.enabled()).isEqualTo(DashboardConfig.DEFAULT_ENABLED);
        assertThat(d.bindAddress()).isEqualTo(DashboardConfig.DEFAULT_BIND_ADDRESS);
        assertThat(d.port()).isEqualTo(DashboardConfig.DEFAULT_PORT);
        assertThat(d.refresh()).isEqualTo(DashboardConfig.DEFAULT_REFRESH);
        assertThat(d.scrapeUrls()).isEmpty();
    }

    @Test
    void shouldNameTheInstanceByItsHostAndStateDirectoryUnlessConfigured() {
        AnalyticsConfig one = AnalyticsConfig.from(SluiceConfig.of(Map.of(CommonKeys.STATE_DIR, "/var/lib/sluice/a")));
        AnalyticsConfig again = AnalyticsConfig.from(SluiceConfig.of(Map.of(CommonKeys.STATE_DIR, "/var/lib/sluice/b/../a/")));
        AnalyticsConfig other = AnalyticsConfig.from(SluiceConfig.of(Map.of(CommonKeys.STATE_DIR, "/var/lib/sluice/b")));

        assertThat(one.instanceId()).startsWith(Instances.hostName() + "-").isEqualTo(again.instanceId());
        assertThat(other.instanceId()).as("a second instance on the host has its own state directory").isNotEqualTo(one.instanceId());
        assertThat(AnalyticsConfig.from(SluiceConfig.of(Map.of(AnalyticsConfig.INSTANCE_ID, "analytics-0"))).instanceId())
                .isEqualTo("analytics-0");
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
