package dev.sluice.analytics;

import java.util.List;

import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageProvider;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.demo.StageDemo;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;

/** Registers the analytics stage with the launcher ({@code sluice run analytics}). */
public final class AnalyticsStageProvider implements StageProvider {
    @Override
    public String name() {
        return "analytics";
    }

    @Override
    public Stage create(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        return new AnalyticsStage(config, catalog, meters);
    }

    @Override
    public StageDemo demo() {
        return new AnalyticsStageDemo();
    }

    public List<ConfigDefinition> configuration() {
        return List.of(AnalyticsConfig.definition(), DashboardConfig.definition());
    }
}
