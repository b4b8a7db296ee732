package dev.sluice.common.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.ConfigException;
import dev.sluice.common.Sanitizer;
import dev.sluice.common.SluiceConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/**
 * A {@link SluiceConfig} read through a {@link ConfigDefinition}: typed getters whose values are parsed by
 * {@link ConfigDef#parseType} and checked by the key's validator. A bad value fails with a Sluice
 * {@link ConfigException} naming the key, where the value came from and the value (never a secret's).
 */
public final class ConfigValues {
    private static final String HIDDEN = "[hidden]";
    private final ConfigDefinition definition;
    private final SluiceConfig config;
    private final Map<String, Optional<Object>> parsed = new HashMap<>();

    ConfigValues(ConfigDefinition definition, SluiceConfig config) {
        this.definition = definition;
        this.config = config;
    }

    /** The parsed value of {@code key}, or its default; empty when unset without a default. */
    public Optional<Object> value(String key) {
        return parsed.computeIfAbsent(key, this::parse);
    }

    private Optional<Object> parse(String key) {
        ConfigKey k = definition.key(key);
        Optional<String> raw = config.find(key);
        if (raw.isEmpty()) {
            return Optional.ofNullable(k.defaultValue);
        }
        try {
            Object value = ConfigDef.parseType(key, normalise(raw.get(), k.type), k.type);
            if (k.validator != null) {
                k.validator.ensureValid(key, value);
            }
            return Optional.of(value);
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw ConfigException.invalid(key, config.source(key), k.type == Type.PASSWORD ? HIDDEN : Sanitizer.withoutCredentials(raw.get()), expected(k));
        }
    }

    /** Sluice has always accepted {@code 10_000} and yes/no/on/off/1/0; ConfigDef does not, so translate first. */
    private static String normalise(String raw, Type type) {
        return switch (type) {
            case INT, LONG, SHORT -> raw.replace("_", "");
            case BOOLEAN -> switch (raw.toLowerCase(Locale.ROOT)) {
                case "yes", "1", "on" -> "true";
                case "no", "0", "off" -> "false";
                default -> raw;
            };
            default -> raw;
        };
    }

    /** What a key accepts, in words: its type, then its validator. */
    public static String expected(ConfigKey k) {
        String type = switch (k.type) {
            case INT, LONG, SHORT -> "a whole number";
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case LIST -> "a comma-separated list";
            case PASSWORD -> "a secret";
            default -> "a string";
        };
        String unit = k.name.endsWith(".ms") ? " of milliseconds" : "";
        if (k.validator == null) {
            return type + unit;
        }
        // Kafka's Range prints as "[1,...,64]"; Sluice's own validators describe the whole accepted value.
        return k.validator.toString().startsWith("[") ? type + unit + " in " + k.validator : k.validator.toString();
    }

    public String string(String key) {
        return value(key).map(Object::toString).orElse(null);
    }

    public Optional<String> optionalString(String key) {
        return value(key).map(Object::toString).map(String::strip).filter(s -> !s.isEmpty());
    }

    public int intValue(String key) {
        return ((Number) required(key)).intValue();
    }

    public long longValue(String key) {
        return ((Number) required(key)).longValue();
    }

    public double doubleValue(String key) {
        return ((Number) required(key)).doubleValue();
    }

    public boolean bool(String key) {
        return (Boolean) required(key);
    }

    /** A key of type LONG in milliseconds, as a duration. */
    public Duration duration(String key) {
        return Duration.ofMillis(longValue(key));
    }

    /** A LIST key's elements, trimmed, blanks dropped. */
    public List<String> list(String key) {
        return value(key).map(v -> (List<?>) v).orElse(List.of()).stream().map(Object::toString).map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
    }

    /** A PASSWORD key's value; the caller must never log it. */
    public Optional<String> password(String key) {
        return value(key).map(v -> ((Password) v).value());
    }

    private Object required(String key) {
        return value(key).orElseThrow(() -> ConfigException.missing(key, definition.key(key).documentation));
    }

    /** Where {@code key}'s value came from: default, file or environment. */
    public String source(String key) {
        return config.source(key);
    }
}
