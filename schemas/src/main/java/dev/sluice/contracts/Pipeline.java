package dev.sluice.contracts;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.kafka.common.config.TopicConfig;

/**
 * The pipeline, written down once: the stages in order and every topic with its configs, who writes it and which
 * stages read it. {@link TopicCatalog} creates topics from these configs, the launcher orders stages by
 * {@link #STAGES}, dead letters are routed back ({@link #stageOf}, {@link #replayTargets}) from the readers listed
 * here, and the table in {@code docs/topics.md} is rendered from {@link #markdownTable()} (a test keeps it exact).
 * To add a topic: add a {@link Flow} here (and, for an Avro topic, its accessor in {@link TopicCatalog}).
 */
public final class Pipeline {
    public static final String INGEST = "ingest";
    public static final String ENRICHMENT = "enrichment";
    public static final String GENERATION = "generation";
    public static final String ANALYTICS = "analytics";
    public static final String GATEWAY = "gateway";

    /** The stages in pipeline order: the demo starts them in this order and summaries read top to bottom. */
    public static final List<String> STAGES = List.of(INGEST, ENRICHMENT, GENERATION, ANALYTICS, GATEWAY);

    /** Default retention of event topics: 7 days, in milliseconds. */
    public static final long EVENT_RETENTION_MS = 7L * 24 * 3600 * 1000;
    /** Retention of the dead-letter topic: 30 days, in milliseconds, so there is time to fix and replay. */
    public static final long DLQ_RETENTION_MS = 30L * 24 * 3600 * 1000;
    /**
     * Retention of the generation ledger: 40 days, in milliseconds: longer than a dead letter (30 days) plus an
     * enriched record (7 days) can wait before it is replayed, so a replay always finds its request's entry.
     */
    public static final long LEDGER_RETENTION_MS = 40L * 24 * 3600 * 1000;

    /** Partitions of {@code llm.gateway.replies} (the gateway's default {@code gateway.reply.partitions}): at most this many instances. */
    public static final int GATEWAY_REPLY_PARTITIONS = 16;

    private static final Map<String, String> EVENTS = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
            TopicConfig.RETENTION_MS_CONFIG, Long.toString(EVENT_RETENTION_MS));
    /**
     * The topics whose record time guards limits and money ({@code llm.requests}, {@code llm.costs}) also get
     * {@code message.timestamp.type=LogAppendTime}, so the broker, not the producer, stamps every record. Admission
     * decides windows, UTC days and horizons on that time, and its outputs inherit it, so an output can never be
     * older than its input's arrival and fall to retention before anyone read it.
     */
    private static final Map<String, String> BROKER_TIMED_EVENTS = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
            TopicConfig.RETENTION_MS_CONFIG, Long.toString(EVENT_RETENTION_MS),
            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
    /**
     * Global-ceiling leases (ingest): a handful of records per ceiling window, never one per request. A lease lives
     * for its window (at most a UTC day), so two days of retention is plenty.
     */
    private static final Map<String, String> LEASES = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
            TopicConfig.RETENTION_MS_CONFIG, Long.toString(2L * 24 * 3600 * 1000));
    private static final Map<String, String> COMPACTED = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

    /**
     * One topic of the pipeline.
     *
     * @param topic        the name before any prefix
     * @param key          what the record key is
     * @param value        what the record value is (schema and a short gloss)
     * @param configs      topic configs it is created with
     * @param partitions   its own partition count, or 0 for the deployment's default (co-partitioned topics)
     * @param producedBy   who writes it (stages and tools, as prose)
     * @param readers      the Sluice stages that consume it, in pipeline order (where a dead letter from it goes back to)
     * @param alsoReadBy   other readers (callers, tools), as prose, or empty
     * @param internal     a stage's private state: never a replay target
     */
    public record Flow(String topic, String key, String value, Map<String, String> configs, int partitions, String producedBy,
                       List<String> readers, String alsoReadBy, boolean internal) {
        public Flow {
            configs = Map.copyOf(configs);
            readers = List.copyOf(readers);
            for (String reader : readers) {
                if (!STAGES.contains(reader)) {
                    throw new IllegalArgumentException(topic + ": reader '" + reader + "' is not a stage of " + STAGES);
                }
            }
        }

        /** The stage that consumes it first in pipeline order, if any. */
        public Optional<String> firstReader() {
            return readers.stream().findFirst();
        }

        /** "delete, 7 d, LogAppendTime" / "compact, 1 partition", for the documentation. */
        public String cleanupSummary() {
            StringBuilder s = new StringBuilder(configs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)
                    .replace(",", "+"));
            String retention = configs.get(TopicConfig.RETENTION_MS_CONFIG);
            if (retention != null) {
                s.append(", ").append(Long.parseLong(retention) / (24 * 3600 * 1000L)).append(" d");
            }
            if ("LogAppendTime".equals(configs.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG))) {
                s.append(", LogAppendTime");
            }
            if (partitions > 0) {
                s.append(", ").append(partitions).append(partitions == 1 ? " partition" : " partitions");
            }
            return s.toString();
        }
    }

    /** Every topic, in pipeline order. */
    public static final List<Flow> TOPICS = List.of(
            new Flow(TopicNames.REQUESTS, "userId", "`LlmRequest`", BROKER_TIMED_EVENTS, 0,
                    "other services (the public input), gateway", List.of(INGEST), "", false),
            new Flow(TopicNames.ADMITTED, "userId", "`AdmittedRequest` (request + tier, input-token bound, `reservedMicros`)", EVENTS, 0,
                    INGEST, List.of(ENRICHMENT), "", false),
            new Flow(TopicNames.REJECTED, "userId", "`RejectedRequest` (reason, field, rule, detail, `retryAfterMs`)", EVENTS, 0,
                    INGEST, List.of(ANALYTICS, GATEWAY), "callers", false),
            new Flow(TopicNames.ENRICHED, "userId", "`EnrichedRequest` (admitted + embedding, model, source)", EVENTS, 0,
                    "enrichment, replay", List.of(GENERATION), "", false),
            new Flow(TopicNames.RESULTS, "userId", "`GenerationResult`", EVENTS, 0,
                    GENERATION, List.of(GATEWAY), "callers", false),
            new Flow(TopicNames.COSTS, "userId", "`CostEvent` (`kind` CHARGED / RELEASED / OVERSPENT)", BROKER_TIMED_EVENTS, 0,
                    "generation (CHARGED, RELEASED), `sluice dlq discard` (RELEASED), ingest (OVERSPENT flags)",
                    List.of(INGEST, ANALYTICS), "`sluice report` (OVERSPENT). Ingest reconciles budgets, analytics sums CHARGED only", false),
            new Flow(TopicNames.DLQ, "original key bytes", "original value bytes + failure headers",
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                            TopicConfig.RETENTION_MS_CONFIG, Long.toString(DLQ_RETENTION_MS)), 0,
                    "every stage", List.of(), "`sluice dlq`, replay, gateway (answers)", true),
            // One partition: admission reads it whole into a global store before any task starts, and Kafka Streams
            // restores a global store's partitions one after another (~0.1 s each at start as deployed, docs/performance-history.md, "Ninth pass").
            new Flow(TopicNames.USER_POLICIES, "userId", "`UserPolicy` (tier + overrides; tombstone = remove)", COMPACTED, 1,
                    "your admin tooling, `sluice keys create`", List.of(INGEST), "", false),
            new Flow(TopicNames.GENERATION_LEDGER, "userId + requestId", "generation's record of an answered request (binary)",
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                            TopicConfig.RETENTION_MS_CONFIG, Long.toString(LEDGER_RETENTION_MS)), 0,
                    GENERATION, List.of(GENERATION), "", true),
            new Flow(TopicNames.API_KEYS, "SHA-256 of the key (hex)", "`ApiKey` (hash, key id, userId, expiry, revocation; never the key)",
                    COMPACTED, 1, "`sluice keys`", List.of(GATEWAY), "", true),
            new Flow(TopicNames.GATEWAY_FILES, "file id", "one uploaded JSONL line (raw bytes)", EVENTS, 1,
                    "gateway (created by it)", List.of(GATEWAY), "", true),
            new Flow(TopicNames.GATEWAY_BATCHES, "`file:<id>` / `batch:<id>`", "JSON metadata of files and batches (versioned)", COMPACTED, 1,
                    "gateway (created by it)", List.of(GATEWAY), "", true),
            new Flow(TopicNames.GATEWAY_REPLIES, "userId", "a copy of an outcome record (result, rejection or dead letter: its key, value and"
                    + " headers) plus `sluice.reply.source` = the outcome topic", EVENTS, GATEWAY_REPLY_PARTITIONS,
                    "gateway (its router; created by it with `gateway.reply.partitions` if missing)", List.of(GATEWAY),
                    "each gateway instance reads only its own partitions", true),
            new Flow(TopicNames.BUDGET_LEASE_REQUESTS, "asking partition (string)", "a 24-byte lease message (`ceiling/LeaseMessage`:"
                    + " REQUEST or RETURN, window, partition, amount)", LEASES, 1, "ingest (admission tasks)", List.of(INGEST),
                    "", true),
            new Flow(TopicNames.BUDGET_LEASE_GRANTS, "asking partition (string)", "a 24-byte lease message (GRANT, window, partition,"
                    + " amount, exhausted) written to the asking task's partition", LEASES, 0, "ingest (lease coordinator)",
                    List.of(INGEST), "", true));

    private Pipeline() {}

    /** The flow of {@code topic}, given with or without a prefix (matched on the longest known suffix). */
    public static Optional<Flow> flowOf(String topic) {
        return TOPICS.stream().filter(f -> topic.endsWith(f.topic()))
                .max(java.util.Comparator.comparingInt(f -> f.topic().length()));
    }

    /** The flow named {@code topic} (unprefixed); fails for an unknown name. */
    public static Flow flow(String topic) {
        return TOPICS.stream().filter(f -> f.topic().equals(topic)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no topic " + topic + " in the pipeline"));
    }

    /** The stage that consumes {@code topic} first (where replay sends a letter back to), or "unknown". */
    public static String stageOf(String topic) {
        return flowOf(topic).flatMap(Flow::firstReader).orElse("unknown");
    }

    /**
     * The prefixed topics a dead letter may be replayed to: those a stage consumes, except the public input
     * {@code llm.requests} (bad input there would fail again) and stages' private topics.
     */
    public static Set<String> replayTargets(String prefix) {
        return TOPICS.stream().filter(f -> !f.internal() && !f.readers().isEmpty() && !f.topic().equals(TopicNames.REQUESTS))
                .map(f -> prefix + f.topic()).collect(Collectors.toUnmodifiableSet());
    }

    /** The topics table of {@code docs/topics.md}. */
    public static String markdownTable() {
        StringBuilder s = new StringBuilder("| topic | key | value (schema) | cleanup | produced by | consumed by |\n")
                .append("|---|---|---|---|---|---|\n");
        for (Flow f : TOPICS) {
            String readers = String.join(", ", f.readers());
            String consumed = f.alsoReadBy().isEmpty() ? readers : readers.isEmpty() ? f.alsoReadBy() : readers + "; also " + f.alsoReadBy();
            s.append("| `").append(f.topic()).append("` | ").append(f.key()).append(" | ").append(f.value()).append(" | ")
                    .append(f.cleanupSummary()).append(" | ").append(f.producedBy()).append(" | ").append(consumed).append(" |\n");
        }
        return s.toString();
    }

    /** Readers per stage, for tests and tools: stage → topics it consumes. */
    public static Map<String, List<String>> inputsByStage() {
        Map<String, List<String>> inputs = new TreeMap<>();
        for (Flow f : TOPICS) {
            for (String reader : f.readers()) {
                inputs.computeIfAbsent(reader, r -> new java.util.ArrayList<>()).add(f.topic());
            }
        }
        return inputs;
    }
}
