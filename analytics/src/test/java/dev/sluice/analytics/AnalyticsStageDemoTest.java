package dev.sluice.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.demo.DemoContext;
import org.junit.jupiter.api.Test;

class AnalyticsStageDemoTest {
    private static final DemoContext CONTEXT = new DemoContext(Path.of("/tmp"), "http://127.0.0.1:4711/metrics", "gpt-4o-mini");
    private final AnalyticsStageDemo demo = new AnalyticsStageDemo();

    @Test
    void shouldPickAPortAndScrapeTheDemosMetricsWhenNeitherIsConfigured() {
        SluiceConfig config = SluiceConfig.of(Map.of());
        SluiceConfig withDemo = config.with(demo.settings(config, CONTEXT));

        assertThat(withDemo.find(DashboardConfig.SCRAPE_URLS)).contains("http://127.0.0.1:4711/metrics");
        int port = Integer.parseInt(withDemo.find(DashboardConfig.PORT).orElseThrow());
        assertThat(port).isPositive();
        assertThat(demo.dashboard(withDemo)).contains("http://127.0.0.1:" + port + "/");
    }

    @Test
    void shouldKeepTheConfiguredPortAndScrapeUrls() {
        SluiceConfig config = SluiceConfig.of(Map.of(DashboardConfig.PORT, "9191", DashboardConfig.SCRAPE_URLS, "http://elsewhere/metrics"));

        assertThat(demo.settings(config, CONTEXT)).containsExactlyEntriesOf(Map.of(DashboardConfig.PORT, "9191"));
    }

    @Test
    void shouldShowNoDashboardWhenItIsDisabled() {
        assertThat(demo.dashboard(SluiceConfig.of(Map.of(DashboardConfig.ENABLED, "false")))).isEmpty();
    }
}
