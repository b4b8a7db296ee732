package dev.sluice.common;

import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

import dev.sluice.common.config.ConfigDefinition;

/**
 * How a module adds subcommands to {@code sluice} without the launcher compiling against it (the tools module adds
 * {@code dlq} and {@code report}, the gateway {@code keys}): each registers one provider in
 * {@code META-INF/services/dev.sluice.common.CommandProvider}, found through {@link java.util.ServiceLoader} like
 * {@link StageProvider}. The launcher adds whatever the class path provides, in class-path order.
 */
public interface CommandProvider {
    /**
     * The commands, as picocli command objects (classes annotated with {@code @Command}; this module stays free of
     * picocli, hence {@code Object}). A command reads {@code config} when it runs, not when it is created, so a
     * configuration error surfaces only for the command that needs the setting.
     */
    List<Object> commands(Supplier<SluiceConfig> config, Clock clock);

    /** The commands' configuration keys, one definition per reference section; {@code docs/configuration.md} lists them. */
    default List<ConfigDefinition> configuration() {
        return List.of();
    }
}
