package dev.sluice.generation;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Runs the generation stage alone in this JVM from a properties file (the crash test's child process). */
public final class StageMain {
    private StageMain() {}

    public static void main(String[] args) throws InterruptedException {
        SluiceConfig config = SluiceConfig.load(Map.of(), Optional.of(Path.of(args[0])), System.getenv());
        TopicCatalog catalog = new TopicCatalog(config.string(CommonKeys.TOPIC_PREFIX, ""),
                config.intValue(CommonKeys.TOPIC_PARTITIONS, 6, 1, 1000),
                new SchemaRegistryClient(config.required(CommonKeys.SCHEMA_REGISTRY_URL, "registry")));
        GenerationStage stage = new GenerationStage(config, catalog, new SimpleMeterRegistry());
        stage.start();
        System.out.println("STAGE STARTED");
        Thread.sleep(Long.MAX_VALUE);
    }
}
