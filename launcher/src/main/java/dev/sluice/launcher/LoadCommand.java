package dev.sluice.launcher;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.launcher.infra.Preflight;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.LoadGenerator;
import dev.sluice.launcher.load.Requests;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sluice load --rate N --users U --duration D}: valid requests against any cluster running the
 * stages, a progress line, and a latency histogram (createdAt → result on llm.results) at the end.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Send valid requests at a fixed rate and report end-to-end latency.")
public final class LoadCommand implements Callable<Integer> {
    @ParentCommand SluiceCli cli;
    @Mixin ConfigOptions options;
    @Spec CommandSpec spec;

    @Option(names = "--rate", defaultValue = "100", description = "Requests per second (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--users", defaultValue = "10", description = "Distinct users the requests are spread over (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--duration", defaultValue = "PT30S", converter = DurationConverter.class,
            description = "How long to send, e.g. 30s, 2m, PT1M (default 30s).")
    Duration duration;

    @Option(names = "--drain", defaultValue = "PT30S", converter = DurationConverter.class,
            description = "How long to wait for outstanding results after sending (default 30s).")
    Duration drain;

    @Option(names = "--model", defaultValue = Requests.DEFAULT_MODEL, description = "Model of every request (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--max-output-tokens", defaultValue = "64", description = "maxOutputTokens of every request (default ${DEFAULT-VALUE}).")
    int maxOutputTokens;

    @Option(names = "--no-policies", negatable = false,
            description = "Do not publish unlimited user policies for the load users (then tier limits apply).")
    boolean noPolicies;

    @Option(names = "--repeat-prompts", description = "Cycle 16 prompts instead of unique ones (measures cache hits).")
    boolean repeatPrompts;

    @Option(names = "--user-prefix", defaultValue = "load-user-", description = "Prefix of generated user ids (default ${DEFAULT-VALUE}).")
    String userPrefix;

    @Override
    public Integer call() throws InterruptedException {
        if (rate < 1 || users < 1 || duration.isNegative() || duration.isZero()) {
            throw new LauncherException("--rate, --users and --duration must be positive");
        }
        SluiceConfig config = options.load(Map.of(), cli.env());
        Preflight preflight = new Preflight(config);
        try (Admin ignored = preflight.kafka()) {
            // reachable
        }
        String registryUrl = preflight.registry();
        LoadGenerator generator = new LoadGenerator(CommonKeys.kafkaClientProperties(config),
                Topics.catalog(config, new SchemaRegistryClient(registryUrl)));
        LoadGenerator.Report report = generator.run(new LoadGenerator.Plan(rate, users, duration, drain, model, maxOutputTokens,
                !noPolicies, !repeatPrompts, userPrefix), System.out);
        PrintWriter out = spec.commandLine().getOut();
        LoadGenerator.print(report, out);
        return 0;
    }
}
