package dev.sluice.launcher;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.SluiceConfig;
import picocli.CommandLine.Option;

/**
 * The configuration options every command shares: {@code --config FILE} (else {@code SLUICE_CONFIG_FILE})
 * and repeatable {@code --set key=value} overrides. Layering: defaults &lt; file &lt; {@code SLUICE_*}
 * environment &lt; {@code --set}.
 */
public final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Properties file with Sluice settings (default: $SLUICE_CONFIG_FILE).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "Override one setting, e.g. --set topic.prefix=dev. (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** Loads the layered configuration from {@code env} (the process environment outside tests). */
    public SluiceConfig load(Map<String, String> defaults, Map<String, String> env) {
        Optional<Path> configFile = Optional.ofNullable(file)
                .or(() -> Optional.ofNullable(env.get(SluiceConfig.CONFIG_FILE_ENV)).filter(s -> !s.isBlank()).map(Path::of));
        return SluiceConfig.load(defaults, configFile, env).with(overrides);
    }
}
