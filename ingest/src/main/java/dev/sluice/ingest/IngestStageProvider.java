package dev.sluice.ingest;

import java.util.List;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageProvider;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.ingest.ceiling.CeilingConfig;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;

/** Registers the admission stage under the name {@code ingest} for {@code sluice run ingest}. */
public final class IngestStageProvider implements StageProvider {
    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public Stage create(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        return new IngestStage(config, catalog, meters);
    }

    @Override
    public List<ConfigDefinition> configuration() {
        return List.of(IngestConfig.definition(), IngestConfig.tierDefinition(), CeilingConfig.definition());
    }
}
