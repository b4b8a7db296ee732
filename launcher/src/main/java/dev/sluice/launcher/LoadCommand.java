package dev.sluice.launcher;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code sluice load}: a load generator. */
@Command(name = "load", mixinStandardHelpOptions = true, description = "Generate load against any cluster.")
public final class LoadCommand implements Callable<Integer> {
    @ParentCommand SluiceCli cli;

    @Override
    public Integer call() {
        throw new LauncherException("load: not built yet");
    }
}
