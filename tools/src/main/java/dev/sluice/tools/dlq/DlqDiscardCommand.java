package dev.sluice.tools.dlq;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.sluice.common.CommonKeys;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicNames;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice dlq discard}: gives the selected dead letters up and releases the reservation each request past
 * admission still holds (a RELEASED event on llm.costs). Same filters as replay; a dry run prints what it would do.
 */
@Command(name = "discard", mixinStandardHelpOptions = true,
        description = "Give selected dead letters up for good and release the money their requests still hold.")
final class DlqDiscardCommand extends DlqSubcommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "Send nothing; print what would be discarded and released.")
    boolean dryRun;
    @Option(names = "--not-billed", description = "Also release OUTCOME_UNKNOWN letters (refused by default: the provider may have billed "
            + "them and no cost event will come). Use only after checking the provider's usage for those requests.")
    boolean notBilled;

    @Override
    public Integer call() {
        PrintWriter out = out();
        var config = dlq.config();
        TopicCatalog topics = new TopicCatalog(dlq.prefix(), dlq.partitions(),
                new SchemaRegistryClient(config.required(CommonKeys.SCHEMA_REGISTRY_URL, "the schema registry base URL")));
        DlqReader reader = new DlqReader(dlq.kafka());
        List<Letter> letters = reader.read(dlq.dlqTopic(), filter.toFilter(dlq.clock()));
        ReplayLedger ledger = dlq.ledger(reader, dryRun);
        Set<String> reserved = Set.of(dlq.prefix() + TopicNames.ADMITTED, dlq.prefix() + TopicNames.ENRICHED);
        Map<Discarder.Action, Integer> counts = new Discarder(dlq.kafka(), dlq.prefix(), topics.costs(), reserved, ledger, dlq.clock(), notBilled)
                .discard(letters, ledger.load(), dryRun, out);
        out.printf("%s%d discarded with their reservation released, %d discarded holding none, %d skipped (replayed or discarded before), "
                        + "%d refused (outcome unknown)%n", dryRun ? "dry run: " : "", counts.getOrDefault(Discarder.Action.RELEASE, 0),
                counts.getOrDefault(Discarder.Action.DISCARD, 0), counts.getOrDefault(Discarder.Action.SKIP, 0),
                counts.getOrDefault(Discarder.Action.REFUSE, 0));
        out.flush();
        return 0;
    }
}
