package dev.sluice.tools.dlq;

import java.io.PrintWriter;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every {@code sluice dlq} subcommand has: its parent (configuration, topics), its output and the letter filters. */
abstract class DlqSubcommand {
    @ParentCommand
    DlqCommand dlq;
    @Spec
    CommandSpec spec;
    @Mixin
    FilterOptions filter = new FilterOptions();

    /** Where the command prints. */
    final PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
