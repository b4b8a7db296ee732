package dev.sluice.tools;

import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

import dev.sluice.common.CommandProvider;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.tools.dlq.DlqCommand;
import dev.sluice.tools.dlq.DlqConfig;
import dev.sluice.tools.report.ReportCommand;
import dev.sluice.tools.reservations.ReservationsCommand;

/** Adds the operator tools to the launcher: {@code sluice dlq}, {@code sluice report} and {@code sluice reservations}, in that order. */
public final class ToolsCommandProvider implements CommandProvider {
    @Override
    public List<Object> commands(Supplier<SluiceConfig> config, Clock clock) {
        return List.of(new DlqCommand(config, clock), new ReportCommand(config, clock), new ReservationsCommand(config, clock));
    }

    @Override
    public List<ConfigDefinition> configuration() {
        return List.of(DlqConfig.definition());
    }
}
