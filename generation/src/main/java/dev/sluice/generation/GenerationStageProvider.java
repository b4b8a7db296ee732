package dev.sluice.generation;

import java.util.List;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageProvider;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.demo.StageDemo;
import dev.sluice.generation.fallback.FallbackChains;
import dev.sluice.generation.provider.Providers;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;

/** Registers the generation stage with the launcher under the name {@code generation}. */
public final class GenerationStageProvider implements StageProvider {
    @Override
    public String name() {
        return "generation";
    }

    @Override
    public Stage create(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        return new GenerationStage(config, catalog, meters);
    }

    @Override
    public StageDemo demo() {
        return new GenerationStageDemo();
    }

    public List<ConfigDefinition> configuration() {
        return List.of(GenerationConfig.definition(), FallbackChains.definition(), Providers.definition());
    }
}
