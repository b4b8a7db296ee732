package dev.sluice.launcher;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Supplier;

import dev.sluice.common.CommandProvider;
import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code sluice} command: {@code demo} (the embedded default), {@code run <stage>} (one stage per
 * process against an existing cluster), {@code topics create} and {@code load}, plus the commands other modules
 * contribute through {@link CommandProvider} ({@code dlq} and {@code report} from the tools module, {@code keys} from
 * the gateway). Expected failures (configuration, unreachable dependencies) print one actionable message and no
 * stack trace.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "Kafka-native traffic controller for LLM work.",
        subcommands = {DemoCommand.class, RunCommand.class, TopicsCommand.class, LoadCommand.class, CdsCommand.class,
                CommandLine.HelpCommand.class})
public final class SluiceCli implements Runnable {
    /** Exit code of invalid configuration (the message names the key). */
    public static final int EXIT_CONFIG = 2;

    private final Map<String, String> env;
    @Spec CommandSpec spec;

    public SluiceCli(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The environment configuration is read from (the process environment outside tests). */
    public Map<String, String> env() {
        return env;
    }

    @Override
    public void run() {
        CommandLine cli = spec.commandLine();
        String names = String.join(", ", cli.getSubcommands().keySet().stream().filter(name -> !name.equals("help")).toList());
        throw new CommandLine.ParameterException(cli, "a command is required: " + names);
    }

    /** A configured command line, with the error handling every subcommand shares. */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine cli = new CommandLine(new SluiceCli(env));
        Supplier<SluiceConfig> config = () -> SluiceConfig.load(Map.of(),
                Optional.ofNullable(env.get(SluiceConfig.CONFIG_FILE_ENV)).filter(s -> !s.isBlank()).map(Path::of), env);
        // the modules' own commands (dlq, report, keys), in class-path order, without compiling against those modules
        for (CommandProvider provider : ServiceLoader.load(CommandProvider.class)) {
            provider.commands(config, Clock.systemUTC()).forEach(cli::addSubcommand);
        }
        cli.setExecutionExceptionHandler(SluiceCli::handle);
        return cli;
    }

    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof ConfigException) {
            err.println("sluice: " + e.getMessage());
            err.flush();
            return EXIT_CONFIG;
        }
        if (e instanceof LauncherException le) {
            err.println("sluice: " + le.getMessage());
            err.flush();
            return le.exitCode();
        }
        err.println("sluice: unexpected failure: " + e);
        e.printStackTrace(err);
        err.flush();
        return LauncherException.EXIT_FAILURE;
    }

    public static void main(String[] args) {
        jvmDefaults();
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /** The common pool's parallelism {@link #jvmDefaults()} sets when none is configured. */
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    /**
     * JVM settings every Sluice process needs, unless the user set them: call first thing in {@code main}, before
     * anything touches Avro or the common fork-join pool (each reads its setting once). The JDK HTTP server's settings are
     * {@link dev.sluice.common.JdkHttpServers}'s, applied where every server is created.
     */
    static void jvmDefaults() {
        // Avro refuses generated classes outside listed packages; `java -jar` users should not have to know.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "dev.sluice");
        }
        // On one or two cores the common pool's parallelism is 1, and CompletableFuture then runs every async task
        // without an executor on a new thread. The JDK HttpClient hands every sendAsync response to that default
        // executor, so generation started a thread per provider call (JFR of GatewayBenchmark's pipeline: 19,463
        // thread starts in 170 s, all from sluice-gen-http). Two or more makes it the common pool.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
            System.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
        }
    }
}
