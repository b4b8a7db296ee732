package dev.sluice.gateway.keys;

import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

import dev.sluice.common.CommandProvider;
import dev.sluice.common.SluiceConfig;

/** Adds {@code sluice keys} (create, list, revoke gateway API keys) to the launcher. */
public final class KeysCommandProvider implements CommandProvider {
    @Override
    public List<Object> commands(Supplier<SluiceConfig> config, Clock clock) {
        return List.of(new KeysCommand(config, clock));
    }
}
