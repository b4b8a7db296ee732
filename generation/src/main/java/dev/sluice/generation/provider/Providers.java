package dev.sluice.generation.provider;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.PASSWORD;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.generation.GenerationConfig;

/** Builds the configured provider. API keys come only from the environment or the key file. */
public final class Providers {
    public static final String API_KEY = "provider.api.key";
    /** File holding the API key (read by {@link SluiceConfig#secret}). */
    public static final String API_KEY_FILE = "provider.api.key.file";
    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Generation provider key")
            .defineComputed(API_KEY, PASSWORD, null, HIGH,
                    "API key of the main provider and of fallback endpoints; discouraged: prefer the provider's environment "
                            + "variable or the key file. Never logged.", "`ANTHROPIC_API_KEY` / `OPENAI_API_KEY`, else the key file")
            .define(API_KEY_FILE, STRING, null, null, MEDIUM,
                    "A file holding the API key (e.g. a mounted secret), read when neither the key nor the variable is set.");

    private Providers() {}

    /** The provider key settings: type, default, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    public static LlmProvider create(SluiceConfig config, GenerationConfig generation, Executor http,
                                     ScheduledExecutorService scheduler, Clock clock) {
        Duration timeout = generation.resilience().timeout().plusSeconds(5); // the time limiter decides first
        return switch (generation.provider()) {
            case "anthropic" -> new AnthropicProvider(baseUrl(generation, AnthropicProvider.DEFAULT_BASE_URL),
                    key(config, "ANTHROPIC_API_KEY"), timeout, http, clock);
            case "openai" -> new OpenAiProvider(baseUrl(generation, OpenAiProvider.DEFAULT_BASE_URL),
                    config.secret(API_KEY, "OPENAI_API_KEY").orElse(null), timeout, http, clock);
            default -> new SimulatedProvider(generation.simulated(), scheduler);
        };
    }

    /** A fallback endpoint's provider: {@code type} as {@link dev.sluice.common.CommonKeys#PROVIDER}, keys as for the main one. */
    public static LlmProvider create(String type, String baseUrl, SluiceConfig config, GenerationConfig generation, Executor http,
                                     ScheduledExecutorService scheduler, Clock clock) {
        Duration timeout = generation.resilience().timeout().plusSeconds(5);
        return switch (type) {
            case "anthropic" -> new AnthropicProvider(baseUrl == null ? AnthropicProvider.DEFAULT_BASE_URL : baseUrl,
                    key(config, "ANTHROPIC_API_KEY"), timeout, http, clock);
            case "openai" -> new OpenAiProvider(baseUrl == null ? OpenAiProvider.DEFAULT_BASE_URL : baseUrl,
                    config.secret(API_KEY, "OPENAI_API_KEY").orElse(null), timeout, http, clock);
            // simulated.outage.file is the main provider's switch: a simulated fallback endpoint stays up during its outage
            default -> new SimulatedProvider(generation.simulated().withOutageFile(null), scheduler);
        };
    }

    private static String baseUrl(GenerationConfig generation, String fallback) {
        return generation.baseUrl() == null ? fallback : generation.baseUrl();
    }

    private static String key(SluiceConfig config, String env) {
        return config.secret(API_KEY, env).orElseThrow(() -> ConfigException.missing(API_KEY,
                "set " + env + " or SLUICE_PROVIDER_API_KEY_FILE for provider " + CommonKeys.read(config).string(CommonKeys.PROVIDER)));
    }
}
