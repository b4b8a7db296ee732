package dev.sluice.tools.dlq;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.Pipeline;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicNames;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code sluice dlq list|inspect|replay|discard}: look at dead letters, send chosen ones back to the stage that
 * failed, or give them up (releasing their reservations). Connection settings come from {@link SluiceConfig}
 * ({@code SLUICE_KAFKA_BOOTSTRAP_SERVERS},
 * {@code SLUICE_TOPIC_PREFIX}, ...). Usable standalone through {@link #main} or as a launcher subcommand.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, description = "List, inspect, replay and discard dead letters (llm.dlq).",
        subcommands = {DlqListCommand.class, DlqInspectCommand.class, DlqReplayCommand.class, DlqDiscardCommand.class})
public final class DlqCommand implements Runnable {
    private final Supplier<SluiceConfig> config;
    private final Clock clock;
    @Spec
    CommandSpec spec;

    /** Configuration from the environment (and the file named by {@code SLUICE_CONFIG_FILE}). */
    public DlqCommand() {
        this(SluiceConfig::fromEnvironment, Clock.systemUTC());
    }

    public DlqCommand(SluiceConfig config, Clock clock) {
        this(() -> config, clock);
    }

    public DlqCommand(Supplier<SluiceConfig> config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DlqCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    SluiceConfig config() {
        return config.get();
    }

    Clock clock() {
        return clock;
    }

    String prefix() {
        return config().string(CommonKeys.TOPIC_PREFIX, "");
    }

    Map<String, Object> kafka() {
        return CommonKeys.kafkaClientProperties(config());
    }

    String dlqTopic() {
        return prefix() + TopicNames.DLQ;
    }

    /** Every stage input replay may write to: all Sluice topics but the admission input and the DLQ. */
    Set<String> replayTargets() {
        return Pipeline.replayTargets(prefix());
    }

    /** Partitions of Sluice's topics (as {@code sluice topics create} makes them). */
    int partitions() {
        return config().intValue(CommonKeys.TOPIC_PARTITIONS, TopicCatalog.DEFAULT_PARTITIONS, 1, 10_000);
    }

    /** The replay ledger read through {@code reader}; its topic is created first unless this is a dry run (which writes nothing). */
    ReplayLedger ledger(DlqReader reader, boolean dryRun) {
        ReplayLedger ledger = new ReplayLedger(prefix(), reader);
        if (!dryRun) {
            try (Admin admin = Admin.create(kafka())) {
                ledger.ensureTopic(admin, partitions(), (short) config().intValue(CommonKeys.TOPIC_REPLICATION_FACTOR, 1, 1, 32));
            }
        }
        return ledger;
    }

    /** Streams the matching letters to {@code sink} (never all in memory); returns how many there were. */
    long stream(FilterOptions filter, java.util.function.Consumer<Letter> sink) {
        long[] n = {0};
        new DlqReader(kafka()).stream(dlqTopic(), filter.toFilter(clock), letter -> {
            n[0]++;
            sink.accept(letter);
        });
        return n[0];
    }
}
