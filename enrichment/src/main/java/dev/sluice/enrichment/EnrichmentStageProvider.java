package dev.sluice.enrichment;

import java.util.List;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageProvider;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;

/** Registers the enrichment stage with the launcher ({@code sluice run enrichment}). */
public final class EnrichmentStageProvider implements StageProvider {
    @Override
    public String name() {
        return "enrichment";
    }

    @Override
    public Stage create(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        return new EnrichmentStage(config, catalog, meters);
    }

    @Override
    public List<ConfigDefinition> configuration() {
        return List.of(EnrichmentConfig.definition());
    }
}
