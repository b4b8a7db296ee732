package dev.sluice.launcher;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.sluice.common.SluiceConfig;
import dev.sluice.launcher.infra.Preflight;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.registry.SchemaRegistryException;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sluice topics create}: the topic catalog and its schemas, idempotently. */
@Command(name = "topics", description = "Manage Sluice's topics.", subcommands = TopicsCommand.Create.class)
public final class TopicsCommand implements Runnable {
    @ParentCommand SluiceCli cli;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Creates every missing topic and registers every value schema under {@code <topic>-value}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create every topic (idempotent) and register every schema under its subject.")
    public static final class Create implements Callable<Integer> {
        @ParentCommand TopicsCommand topics;
        @Mixin ConfigOptions options;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            SluiceConfig config = options.load(Map.of(), topics.cli.env());
            PrintWriter out = spec.commandLine().getOut();
            Preflight preflight = new Preflight(config);
            String registryUrl = preflight.registry();
            SchemaRegistryClient registry = new SchemaRegistryClient(registryUrl);
            TopicCatalog catalog = Topics.catalog(config, registry);
            try (Admin admin = preflight.kafka()) {
                report(out, catalog, create(admin, catalog, Topics.replicationFactor(config)), register(catalog, registry));
            }
            return 0;
        }

        static List<String> create(Admin admin, TopicCatalog catalog, short replicationFactor) {
            return Topics.createAll(admin, catalog, replicationFactor);
        }

        static Map<String, Integer> register(TopicCatalog catalog, SchemaRegistryClient registry) {
            try {
                return TopicSetup.registerSchemas(catalog, registry);
            } catch (SchemaRegistryException e) {
                throw new LauncherException("could not register schemas: " + e.getMessage());
            }
        }

        private static void report(PrintWriter out, TopicCatalog catalog, List<String> created, Map<String, Integer> ids) {
            for (Topic<?, ?> topic : catalog.all()) {
                out.printf("topic   %-40s %-8s %d partitions%n", topic.name(),
                        created.contains(topic.name()) ? "created" : "exists", topic.partitions());
            }
            ids.forEach((subject, id) -> out.printf("subject %-40s id %d%n", subject, id));
            out.flush();
        }
    }
}
