package dev.sluice.launcher;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code sluice demo}: the embedded default. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run everything in one process and drive a sample workload.")
public final class DemoCommand implements Callable<Integer> {
    @ParentCommand SluiceCli cli;

    @Override
    public Integer call() {
        throw new LauncherException("demo: not built yet");
    }
}
