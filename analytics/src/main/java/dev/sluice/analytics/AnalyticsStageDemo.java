package dev.sluice.analytics;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.demo.DemoContext;
import dev.sluice.common.demo.StageDemo;

/**
 * Analytics in {@code sluice demo}: the dashboard on a port known before it starts (so the demo can print its URL),
 * reading breakers, latency and Redis state from the demo process's own {@code /metrics}.
 */
final class AnalyticsStageDemo implements StageDemo {
    @Override
    public Map<String, String> settings(SluiceConfig config, DemoContext context) {
        Map<String, String> demo = new HashMap<>(Map.of(DashboardConfig.PORT,
                Integer.toString(StageDemo.freePort(config, DashboardConfig.PORT, DashboardConfig.DEFAULT_PORT))));
        if (config.find(DashboardConfig.SCRAPE_URLS).isEmpty()) {
            demo.put(DashboardConfig.SCRAPE_URLS, context.metricsUrl());
        }
        return demo;
    }

    @Override
    public Optional<String> dashboard(SluiceConfig config) {
        if (!config.bool(DashboardConfig.ENABLED, DashboardConfig.DEFAULT_ENABLED)) {
            return Optional.empty();
        }
        return Optional.of("http://127.0.0.1:" + config.intValue(DashboardConfig.PORT, DashboardConfig.DEFAULT_PORT, 0, 65_535) + "/");
    }
}
