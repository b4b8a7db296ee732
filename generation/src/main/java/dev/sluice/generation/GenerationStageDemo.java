package dev.sluice.generation;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.demo.DemoContext;
import dev.sluice.common.demo.ProviderOutage;
import dev.sluice.common.demo.StageDemo;
import dev.sluice.generation.fallback.FallbackChains;

/**
 * Generation in {@code sluice demo}: on the simulated provider, an outage switch (a file), a breaker that closes again
 * within the demo, and a second simulated endpoint that stays up during the outage so the outage requests complete on
 * it. A real provider cannot be switched off, so then it adds nothing.
 */
final class GenerationStageDemo implements StageDemo {
    /** The fallback endpoint the demo adds on the simulated provider: the main one's outage switch does not reach it. */
    static final String DEMO_BACKUP_ENDPOINT = "backup";
    /** How long the breaker stays open in the demo unless configured, in milliseconds. */
    static final String DEMO_BREAKER_OPEN_MS = "2000";

    @Override
    public Map<String, String> settings(SluiceConfig config, DemoContext context) {
        if (!simulated(config)) {
            return Map.of();
        }
        Map<String, String> demo = new HashMap<>(Map.of(GenerationConfig.SIMULATED_OUTAGE_FILE,
                context.workDir().resolve("provider-outage").toString()));
        if (config.find(GenerationConfig.BREAKER_OPEN_MS).isEmpty()) {
            demo.put(GenerationConfig.BREAKER_OPEN_MS, DEMO_BREAKER_OPEN_MS); // the breaker closes again within the demo
        }
        if (config.find(FallbackChains.ENDPOINTS).isEmpty()) {
            // a second simulated endpoint that stays up during the outage: the outage requests complete on it
            demo.put(FallbackChains.ENDPOINTS, DEMO_BACKUP_ENDPOINT);
            demo.put(FallbackChains.ENDPOINT + "." + DEMO_BACKUP_ENDPOINT + ".provider", "simulated");
            demo.put(FallbackChains.FALLBACK + "." + context.model(), context.model() + "@" + DEMO_BACKUP_ENDPOINT);
        }
        return demo;
    }

    @Override
    public Optional<ProviderOutage> outage(SluiceConfig config) {
        return simulated(config) ? config.find(GenerationConfig.SIMULATED_OUTAGE_FILE).map(file -> ProviderOutage.file(Path.of(file)))
                : Optional.empty();
    }

    @Override
    public boolean fallsBack(SluiceConfig config, String model) {
        return FallbackChains.from(config).chains().containsKey(model);
    }

    private static boolean simulated(SluiceConfig config) {
        return "simulated".equals(config.string(CommonKeys.PROVIDER, "simulated"));
    }
}
