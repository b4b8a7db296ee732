package dev.sluice.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;

/**
 * One isolated Sluice deployment for a scenario: its own topic prefix, groups and state directories, a properties
 * file every stage process reads ({@code --config}), the OpenAI-compatible provider pointed at the mock with a
 * distinctive API key, and the stage processes themselves.
 */
final class Pipeline implements AutoCloseable {
    /** Topic partitions of every scenario (two ingest instances share them in C1/C2). */
    static final int PARTITIONS = 3;

    final String scenario;
    final String prefix;
    final String apiKey = "sk-reliability-" + UUID.randomUUID().toString().replace("-", "");
    final Path dir;
    final Path logDir;
    final SluiceConfig config;
    final TopicCatalog catalog;
    final Map<String, Object> kafka;
    private final Path configFile;
    private final List<StageProcess> processes = new ArrayList<>();

    Pipeline(String scenario, KafkaBroker broker, SchemaRegistryServer registry, RedisServer redis, MockLlmServer mock,
             Map<String, String> overrides) {
        this.scenario = scenario;
        this.prefix = SluiceInfra.uniquePrefix(scenario.toLowerCase());
        this.dir = Paths.get("target", "reliability", scenario + "-" + prefix.substring(prefix.length() - 9, prefix.length() - 1))
                .toAbsolutePath();
        this.logDir = dir.resolve("logs");
        Map<String, String> values = new LinkedHashMap<>();
        values.put(CommonKeys.KAFKA_BOOTSTRAP_SERVERS, broker.bootstrapServers());
        values.put(CommonKeys.SCHEMA_REGISTRY_URL, registry.url());
        values.put(CommonKeys.REDIS_URL, redis.uri());
        values.put(CommonKeys.TOPIC_PREFIX, prefix);
        values.put(CommonKeys.TOPIC_PARTITIONS, Integer.toString(PARTITIONS));
        values.put(CommonKeys.PROVIDER, "openai");
        values.put(CommonKeys.PROVIDER_BASE_URL, mock.openAiBaseUrl());
        values.put(CommonKeys.DEFAULT_TIER, "PRO");
        values.put("ingest.application.id", prefix + "ingest");
        values.put("enrichment.group.id", prefix + "enrichment");
        values.put("generation.group.id", prefix + "generation");
        // Load users are unlimited unless a scenario (C1/C2) sets its own limits: R1-R5 test delivery, not policy.
        values.put("ingest.tier.pro.requests.per.minute", "1000000");
        values.put("ingest.tier.pro.requests.per.day", "1000000000");
        values.put("ingest.tier.pro.tokens.per.minute", "1000000000000");
        values.put("ingest.tier.pro.daily.budget.micros", "1000000000000");
        // Every request must reach the provider, so calls/requests measures re-calls and not the response cache.
        values.put("generation.cache.enabled", "false");
        // A killed member must leave the group in seconds, not after the 45 s default.
        values.put("kafka.session.timeout.ms", "6000");
        values.put("kafka.heartbeat.interval.ms", "1500");
        // A stage restarted while the machine is busy (a kill lands during a burst) must not give up on the broker
        // after the default 10 s preflight: that would end the scenario, not test it.
        values.put("preflight.timeout.ms", "30000");
        values.putAll(overrides);
        this.config = SluiceConfig.of(values);
        try {
            Files.createDirectories(dir);
            configFile = dir.resolve("sluice.properties");
            Properties props = new Properties();
            props.putAll(values);
            try (Writer w = Files.newBufferedWriter(configFile)) {
                props.store(w, "reliability scenario " + scenario);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.catalog = Topics.catalog(config, new SchemaRegistryClient(registry.url()));
        this.kafka = CommonKeys.kafkaClientProperties(config);
        try (Admin admin = broker.admin()) {
            Topics.createAll(admin, catalog, (short) 1);
        }
    }

    /** Adds (does not start) a stage process; {@code n} tells instances of one stage apart. */
    StageProcess stage(String stage, int n) {
        return stage(stage, n, Map.of());
    }

    /** As {@link #stage(String, int)}, with extra {@code --set} overrides for this process only. */
    StageProcess stage(String stage, int n, Map<String, String> extra) {
        String instance = stage + "-" + n;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(CommonKeys.STATE_DIR, dir.resolve("state").resolve(instance).toString());
        settings.put("generation.instance.id", prefix + instance);
        settings.put("enrichment.transactional.id", prefix + instance);
        settings.putAll(extra);
        String keyVariable = "anthropic".equals(config.string(CommonKeys.PROVIDER, "openai")) ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
        StageProcess p = new StageProcess(stage, instance, configFile, settings, Map.of(keyVariable, apiKey), logDir);
        processes.add(p);
        return p;
    }

    List<StageProcess> processes() {
        return List.copyOf(processes);
    }

    int kills() {
        return processes.stream().mapToInt(StageProcess::kills).sum();
    }

    @Override
    public void close() {
        processes.forEach(StageProcess::close);
    }
}
