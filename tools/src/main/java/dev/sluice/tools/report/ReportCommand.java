package dev.sluice.tools.report;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.analytics.AnalyticsTopics;
import dev.sluice.analytics.dashboard.DashboardJson;
import dev.sluice.analytics.dashboard.Tables;
import dev.sluice.common.CommonKeys;
import dev.sluice.common.Durations;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.tools.dlq.DlqReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice report [--since 24h]}: reads the {@code llm.analytics.*} tables (read_committed, latest value per
 * window) and prints spend per user/day and per model, cache savings, rejections by reason and top spenders; then the
 * overspend flags admission wrote to {@code llm.costs} ({@link OverspendReport}). With {@code --json}, the same documents
 * as the dashboard's API ({@link DashboardJson#report}).
 */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Print spend, savings, rejections and top spenders.")
public final class ReportCommand implements Callable<Integer> {
    private final Supplier<SluiceConfig> config;
    private final Clock clock;
    @Spec
    CommandSpec spec;
    @Option(names = "--since", paramLabel = "SPAN", defaultValue = "24h", description = "Windows overlapping this span before now (default: ${DEFAULT-VALUE}).")
    String since;
    @Option(names = "--json", description = "Print the spend, rejections and budgets documents of the dashboard's JSON API (/api/v1, version 1) instead of tables.")
    boolean json;

    public ReportCommand() {
        this(SluiceConfig::fromEnvironment, Clock.systemUTC());
    }

    public ReportCommand(SluiceConfig config, Clock clock) {
        this(() -> config, clock);
    }

    public ReportCommand(Supplier<SluiceConfig> config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReportCommand()).execute(args));
    }

    @Override
    public Integer call() {
        SluiceConfig cfg = config.get();
        SchemaRegistryClient registry = new SchemaRegistryClient(cfg.required(CommonKeys.SCHEMA_REGISTRY_URL, "the schema registry base URL"));
        TopicCatalog catalog = new TopicCatalog(cfg.string(CommonKeys.TOPIC_PREFIX, ""),
                cfg.intValue(CommonKeys.TOPIC_PARTITIONS, TopicCatalog.DEFAULT_PARTITIONS, 1, 10_000), registry);
        AnalyticsTopics topics = AnalyticsTopics.from(catalog, registry);
        DlqReader reader = new DlqReader(CommonKeys.kafkaClientProperties(cfg));
        if (json) {
            Tables tables = new Tables(topics, catalog);
            tables.topicNames().forEach(topic -> reader.scan(topic, true, tables::accept));
            PrintWriter out = spec.commandLine().getOut();
            Instant now = clock.instant();
            try {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(
                        DashboardJson.report(tables.snapshot(), now.minus(Durations.parse(since)), now)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("could not render the report as JSON", e);
            }
            out.flush();
            return 0;
        }
        Report report = new Report(clock.instant().minus(Durations.parse(since)),
                latest(reader, topics.spendByUserDay()), latest(reader, topics.spendByModelHour()), latest(reader, topics.savingsByDay()),
                latest(reader, topics.rejectionsByReasonHour()), latest(reader, topics.topSpendersByDay()));
        PrintWriter out = spec.commandLine().getOut();
        report.print(out);
        OverspendReport.read(reader, catalog.costs(), report.from()).print(out);
        return 0;
    }

    /** The latest value per key of a compacted table topic (tombstones remove the key). */
    static <V> Collection<V> latest(DlqReader reader, Topic<String, V> topic) {
        Map<String, V> rows = new HashMap<>();
        reader.scan(topic.name(), true, record -> {
            String key = topic.keySerde().deserializer().deserialize(topic.name(), record.key());
            V value = topic.valueSerde().deserializer().deserialize(topic.name(), record.value());
            if (value == null) {
                rows.remove(key);
            } else {
                rows.put(key, value);
            }
        });
        return rows.values();
    }
}
