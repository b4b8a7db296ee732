package dev.sluice.gateway.demo;

import java.io.PrintStream;
import java.util.Map;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.demo.DemoContext;
import dev.sluice.common.demo.StageDemo;
import dev.sluice.gateway.GatewayConfig;
import dev.sluice.contracts.TopicCatalog;

/**
 * The gateway in {@code sluice demo}: a port known before it starts, and its step between the workload's phases and
 * the ceiling phase ({@link GatewayDemo}: a key, a completion, a burst into 429s, a small batch).
 */
public final class GatewayStageDemo implements StageDemo {
    @Override
    public Map<String, String> settings(SluiceConfig config, DemoContext context) {
        return Map.of(GatewayConfig.PORT, Integer.toString(StageDemo.freePort(config, GatewayConfig.PORT, GatewayConfig.DEFAULT_PORT)));
    }

    @Override
    public void interlude(SluiceConfig config, TopicCatalog catalog, Map<String, Object> kafka, PrintStream out)
            throws InterruptedException {
        int port = config.intValue(GatewayConfig.PORT, GatewayConfig.DEFAULT_PORT, 0, 65_535);
        new GatewayDemo("http://127.0.0.1:" + port + "/v1").run(catalog, kafka, out);
    }
}
