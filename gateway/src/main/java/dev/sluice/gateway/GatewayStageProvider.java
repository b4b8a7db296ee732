package dev.sluice.gateway;

import java.time.Clock;
import java.util.List;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageProvider;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.demo.StageDemo;
import dev.sluice.gateway.demo.GatewayStageDemo;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;

/** Registers the gateway with the launcher ({@code sluice run gateway}). */
public final class GatewayStageProvider implements StageProvider {
    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public Stage create(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        return new GatewayStage(config, catalog, meters, Clock.systemUTC());
    }

    @Override
    public StageDemo demo() {
        return new GatewayStageDemo();
    }

    public List<ConfigDefinition> configuration() {
        return List.of(GatewayConfig.definition());
    }
}
