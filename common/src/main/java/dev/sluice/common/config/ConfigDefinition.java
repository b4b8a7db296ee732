package dev.sluice.common.config;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.common.SluiceConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Validator;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The keys of one part of Sluice (a stage, the shared settings, the launcher), declared once: a Kafka
 * {@link ConfigDef} holds every key's name, type, default, validator and documentation, and is the single source of
 * the values a stage reads ({@link #read(SluiceConfig)}) and of {@code docs/configuration.md}. This wrapper adds
 * what ConfigDef lacks: a section title for the reference, defaults computed at start (documented through
 * ConfigDef's {@code alternativeString}), and errors in Sluice's form (key, source, bad value; secrets hidden).
 */
public final class ConfigDefinition {
    private final String title;
    private final ConfigDef def = new ConfigDef();

    private ConfigDefinition(String title) {
        this.title = title;
    }

    /** An empty definition whose reference section is called {@code title}. */
    public static ConfigDefinition named(String title) {
        return new ConfigDefinition(title);
    }

    /**
     * Declares {@code key}. The default is validated here, so a bad default fails when the class loads.
     *
     * @param defaultValue the value when the key is unset; {@code null} = none (the getter then returns empty)
     * @param validator    null = any value of the type
     * @param doc          meaning and unit, as the reference shows it
     */
    public ConfigDefinition define(String key, Type type, Object defaultValue, Validator validator, Importance importance, String doc) {
        def.define(key, type, defaultValue, Validators.nullOr(validator), importance, doc);
        return this;
    }

    /** Declares a key whose default is computed at start (a host name, another key's value); {@code computed} says how. */
    public ConfigDefinition defineComputed(String key, Type type, Validator validator, Importance importance, String doc, String computed) {
        def.define(key, type, null, Validators.nullOr(validator), importance, doc, null, -1, Width.NONE, key, List.of(), null, computed);
        return this;
    }

    /** The section title in the reference. */
    public String title() {
        return title;
    }

    /** The Kafka definition: key, type, default, validator, importance and documentation of every key. */
    public ConfigDef configDef() {
        return def;
    }

    /** The keys in declaration order. */
    public List<ConfigKey> keys() {
        return new ArrayList<>(def.configKeys().values());
    }

    /** Whether {@code key} is declared here. */
    public boolean defines(String key) {
        return def.configKeys().containsKey(key);
    }

    /** The declaration of {@code key}; fails on a key this definition does not declare (a programming error). */
    ConfigKey key(String key) {
        ConfigKey k = def.configKeys().get(key);
        if (k == null) {
            throw new IllegalArgumentException(key + " is not declared in " + title);
        }
        return k;
    }

    /** A view of {@code config} through this definition: each getter parses and validates its key on first use. */
    public ConfigValues read(SluiceConfig config) {
        return new ConfigValues(this, config);
    }

    /** Like {@link #read(SluiceConfig)}, but parses and validates every key now, so the first bad one fails start. */
    public ConfigValues validate(SluiceConfig config) {
        ConfigValues values = read(config);
        def.configKeys().keySet().forEach(values::value);
        return values;
    }
}
