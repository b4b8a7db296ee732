package dev.sluice.tools.dlq;

import java.io.PrintWriter;
import java.util.Set;

import dev.sluice.common.Durations;
import dev.sluice.contracts.TopicNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice dlq replay}: sends the selected letters back to the input topic of the stage that failed. Never to
 * the admission input; refuses letters at the replay limit; skips letters already replayed (the ledger topic
 * {@code llm.dlq.replayed}), so running the same replay twice sends nothing the second time.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Replay selected dead letters to the topic they failed on.")
final class DlqReplayCommand extends DlqSubcommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--dry-run", description = "Send nothing; print what would be replayed, skipped or refused.")
    boolean dryRun;
    @Option(names = "--rate", paramLabel = "N/s", defaultValue = "unlimited", description = "Maximum records per second, e.g. 200/s (default: ${DEFAULT-VALUE}).")
    String rate;
    @Option(names = "--max-replays", paramLabel = "N", description = "Refuse letters already replayed this many times (default: "
            + DlqConfig.MAX_REPLAYS + ", else 3).")
    Integer maxReplays;
    @Option(names = "--again", description = "Ignore the replay ledger and send letters that were replayed before (never discarded ones). Generation still "
            + "skips requests it already answered (its ledger topic llm.generation.ledger, kept 40 days), so no request is paid twice.")
    boolean again;
    @Option(names = "--accept-repay", description = "Also replay letters whose call may already have been billed (OUTCOME_UNKNOWN, SERVER_ERROR, "
            + "MALFORMED_RESPONSE): the provider may have run them, so replaying them may pay a second time. Refused without this flag.")
    boolean acceptRepay;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = spec.commandLine().getErr();
        double perSecond = Durations.rate(rate);
        int limit = maxReplays != null ? maxReplays : DlqConfig.maxReplays(dlq.config());
        DlqReader reader = new DlqReader(dlq.kafka());
        ReplayLedger ledger = dlq.ledger(reader, dryRun);
        Set<String> replayed = again ? ledger.loadDiscarded() : ledger.load(); // discarded letters stay discarded
        ReplayPolicy policy = new ReplayPolicy(dlq.prefix() + TopicNames.REQUESTS, dlq.replayTargets(), limit, replayed, acceptRepay);
        LetterFilter selected = filter.toFilter(dlq.clock());
        ReplaySummary summary = new Replayer(dlq.kafka(), dlq.prefix(), ledger, dlq.clock())
                .replay(sink -> reader.stream(dlq.dlqTopic(), selected, sink), policy, dryRun, perSecond, out, err);
        summary.print(out);
        return 0;
    }
}
