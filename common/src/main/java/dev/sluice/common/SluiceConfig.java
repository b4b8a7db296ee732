package dev.sluice.common;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Sluice's configuration: one loader layering built-in defaults &lt; a properties file &lt; environment
 * variables. Keys are lowercase and dotted ({@code kafka.bootstrap.servers}); the environment variable of a
 * key is {@code SLUICE_} + the key upper-cased with dots and dashes as underscores
 * ({@code SLUICE_KAFKA_BOOTSTRAP_SERVERS}). The file is named by {@code SLUICE_CONFIG_FILE} or passed in.
 *
 * <p>Every getter validates and fails with a {@link ConfigException} naming the key, its source and the bad
 * value. Secrets are read through {@link #secret(String)} so they never end up in a printed config.
 */
public final class SluiceConfig {
    /** Prefix of every environment variable Sluice reads. */
    public static final String ENV_PREFIX = "SLUICE_";
    /** Environment variable naming an optional properties file. */
    public static final String CONFIG_FILE_ENV = "SLUICE_CONFIG_FILE";

    private final Map<String, String> values;
    private final Map<String, String> sources;

    private SluiceConfig(Map<String, String> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /** Loads from the process environment and the file it names, if any. */
    public static SluiceConfig fromEnvironment() {
        Map<String, String> env = System.getenv();
        Optional<Path> file = Optional.ofNullable(env.get(CONFIG_FILE_ENV)).filter(s -> !s.isBlank()).map(Path::of);
        return load(Map.of(), file, env);
    }

    /**
     * Layers {@code defaults} &lt; {@code file} &lt; {@code env}. Only environment variables starting with
     * {@code SLUICE_} are read, plus the provider key variables listed in {@link #secret(String)}.
     */
    public static SluiceConfig load(Map<String, String> defaults, Optional<Path> file, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        defaults.forEach((k, v) -> put(values, sources, k, v, "default"));
        if (file.isPresent()) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(file.get())) {
                props.load(reader);
            } catch (IOException e) {
                throw ConfigException.invalid("config.file", CONFIG_FILE_ENV, file.get().toString(), "a readable properties file (" + e.getMessage() + ")");
            }
            props.stringPropertyNames().forEach(k -> put(values, sources, k, props.getProperty(k), "file " + file.get()));
        }
        env.forEach((name, v) -> {
            if (name.startsWith(ENV_PREFIX) && !name.equals(CONFIG_FILE_ENV)) {
                put(values, sources, keyOf(name), v, "environment " + name);
            } else if (name.endsWith("_API_KEY")) {
                put(values, sources, "secret." + name.toLowerCase(Locale.ROOT), v, "environment " + name);
            }
        });
        return new SluiceConfig(values, sources);
    }

    /** A config from explicit values (tests, embedded mode); an error names such a value's source {@code given}. */
    public static SluiceConfig of(Map<String, String> values) {
        Map<String, String> v = new HashMap<>();
        Map<String, String> s = new HashMap<>();
        values.forEach((k, val) -> put(v, s, k, val, "given"));
        return new SluiceConfig(v, s);
    }

    /** A copy with {@code overrides} on top. */
    public SluiceConfig with(Map<String, String> overrides) {
        Map<String, String> v = new HashMap<>(values);
        Map<String, String> s = new HashMap<>(sources);
        overrides.forEach((k, val) -> put(v, s, k, val, "override"));
        return new SluiceConfig(v, s);
    }

    private static void put(Map<String, String> values, Map<String, String> sources, String key, String value, String source) {
        values.put(key, value);
        sources.put(key, source);
    }

    /** The environment variable of a key: {@code kafka.bootstrap.servers} → {@code SLUICE_KAFKA_BOOTSTRAP_SERVERS}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The key of an environment variable: {@code SLUICE_KAFKA_BOOTSTRAP_SERVERS} → {@code kafka.bootstrap.servers}. */
    public static String keyOf(String envName) {
        return envName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public Optional<String> find(String key) {
        return Optional.ofNullable(values.get(key)).map(String::trim).filter(s -> !s.isEmpty());
    }

    public String string(String key, String defaultValue) {
        return find(key).orElse(defaultValue);
    }

    public String required(String key, String hint) {
        return find(key).orElseThrow(() -> ConfigException.missing(key, hint));
    }

    public long longValue(String key, long defaultValue, long min, long max) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            long v = Long.parseLong(raw.get().replace("_", ""));
            if (v < min || v > max) {
                throw ConfigException.invalid(key, source(key), raw.get(), "a whole number in [" + min + ", " + max + "]");
            }
            return v;
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, source(key), raw.get(), "a whole number in [" + min + ", " + max + "]");
        }
    }

    public int intValue(String key, int defaultValue, int min, int max) {
        return (int) longValue(key, defaultValue, min, max);
    }

    public double doubleValue(String key, double defaultValue, double min, double max) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            double v = Double.parseDouble(raw.get());
            if (!(v >= min && v <= max)) {
                throw ConfigException.invalid(key, source(key), raw.get(), "a number in [" + min + ", " + max + "]");
            }
            return v;
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, source(key), raw.get(), "a number in [" + min + ", " + max + "]");
        }
    }

    public boolean bool(String key, boolean defaultValue) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return switch (raw.get().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw ConfigException.invalid(key, source(key), raw.get(), "true or false");
        };
    }

    /** A duration in milliseconds from a key ending in {@code .ms}. */
    public Duration millis(String key, Duration defaultValue) {
        return Duration.ofMillis(longValue(key, defaultValue.toMillis(), 0, Long.MAX_VALUE));
    }

    /**
     * A secret, looked up under {@code key}, then the environment variable {@code envVar} (e.g.
     * {@code ANTHROPIC_API_KEY}), then the file named by {@code provider.api.key.file}. Never logged.
     */
    public Optional<String> secret(String key, String envVar) {
        Optional<String> direct = find(key).or(() -> find("secret." + envVar.toLowerCase(Locale.ROOT)));
        if (direct.isPresent()) {
            return direct;
        }
        return find("provider.api.key.file").map(path -> {
            try {
                return Files.readString(Path.of(path)).trim();
            } catch (IOException e) {
                throw ConfigException.invalid("provider.api.key.file", source("provider.api.key.file"), path,
                        "a readable file holding the API key (" + e.getClass().getSimpleName() + ")");
            }
        });
    }

    /**
     * Every setting under {@code prefix} with the prefix removed, e.g. {@code kafka.} gives the Kafka client
     * properties (so {@code SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_SSL} becomes {@code security.protocol}).
     */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && v != null) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** Where a key's value came from (default, file, environment), for error messages. */
    public String source(String key) {
        return sources.getOrDefault(key, "default");
    }
}
