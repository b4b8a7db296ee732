package dev.sluice.common;

import java.util.List;

import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.demo.StageDemo;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How the launcher finds stages without compiling against them: each stage module registers one provider in
 * {@code META-INF/services/dev.sluice.common.StageProvider}, and {@code sluice run <name>} picks it by name
 * through {@link java.util.ServiceLoader}.
 */
public interface StageProvider {
    /** The name used on the command line: ingest, enrichment, generation, analytics. */
    String name();

    /** Builds (wires, does not start) the stage. */
    Stage create(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters);

    /** The stage's part in {@code sluice demo}: settings it wants there, and what it shows. None by default. */
    default StageDemo demo() {
        return StageDemo.NONE;
    }

    /** The stage's configuration keys, one definition per reference section; {@code docs/configuration.md} lists them. */
    default List<ConfigDefinition> configuration() {
        return List.of();
    }
}
