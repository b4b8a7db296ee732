package dev.sluice.analytics;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import dev.sluice.analytics.dashboard.Dashboard;
import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.CommonKeys;
import dev.sluice.common.Instances;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link AnalyticsTopology} as its own exactly-once Kafka Streams app ({@code sluice run analytics}).
 * Undecodable input goes to {@code llm.dlq} through the Streams dead-letter support (KIP-1034 headers).
 */
public final class AnalyticsStage implements Stage {
    private static final Logger log = LoggerFactory.getLogger(AnalyticsStage.class);
    private final SluiceConfig config;
    private final AnalyticsTopics topics;
    private final Properties streamsProps;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final MeterRegistry meters;
    private final DashboardConfig dashboardConfig;
    private final TopicCatalog catalog;
    private volatile Dashboard dashboard;

    public AnalyticsStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
        this.catalog = catalog;
        this.dashboardConfig = DashboardConfig.from(config);
        AnalyticsConfig analytics = AnalyticsConfig.from(config);
        SchemaRegistryClient registry = new SchemaRegistryClient(config.required(CommonKeys.SCHEMA_REGISTRY_URL,
                "the schema registry base URL, e.g. http://localhost:8081"));
        this.topics = AnalyticsTopics.from(catalog, registry);
        this.streamsProps = streamsProperties(config, catalog, analytics);
        AnalyticsMetrics metrics = new AnalyticsMetrics(meters);
        this.streams = new KafkaStreams(AnalyticsTopology.build(topics, analytics, metrics), streamsProps);
        // after a crash the deduplication window (7 days of request ids) is read back before any cost is counted: say so
        streams.setGlobalStateRestoreListener(metrics.restores());
        streams.setStandbyUpdateListener(metrics.restores());
        this.streamsMetrics = new KafkaStreamsMetrics(streams);
    }

    @SuppressWarnings("deprecation") // PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG: deprecated as it becomes the default (5.0)
    static Properties streamsProperties(SluiceConfig config, TopicCatalog catalog, AnalyticsConfig analytics) {
        Properties props = new Properties();
        props.putAll(CommonKeys.kafkaClientProperties(config));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, analytics.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, analytics.commitInterval().toMillis());
        ConfigValues common = CommonKeys.read(config);
        props.put(StreamsConfig.STATE_DIR_CONFIG, common.string(CommonKeys.STATE_DIR));
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, common.intValue(CommonKeys.TOPIC_REPLICATION_FACTOR));
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, catalog.dlq().name());
        // On in 5.0; in 4.3 every StreamsConfig built with it off warns (on, one warning a stream thread remains: Kafka's
        // partition assignor builds its config from the consumer's settings, which lack it). Analytics has no global store.
        props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // Static membership, as admission's: restarted after a crash, the instance takes its tasks back at once rather
        // than after the dead member's session (45 s by default); a clean stop still leaves the group (close()).
        Instances.joinAsStaticMember(props, analytics.instanceId());
        return props;
    }

    @Override
    public String name() {
        return "analytics";
    }

    /**
     * Creates this app's output topics (the pipeline topics are created by {@code sluice topics create}), starts, and
     * serves the dashboard unless {@code dashboard.enabled=false}.
     */
    @Override
    public void start() {
        short rf = (short) CommonKeys.read(config).intValue(CommonKeys.TOPIC_REPLICATION_FACTOR);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", streamsProps.get("bootstrap.servers")))) {
            topics.createOutputs(admin, rf);
        }
        streamsMetrics.bindTo(meters);
        streams.start();
        log.info("analytics started as {}", streamsProps.get(StreamsConfig.APPLICATION_ID_CONFIG));
        if (dashboardConfig.enabled()) {
            dashboard = Dashboard.start(dashboardConfig, catalog, topics, CommonKeys.kafkaClientProperties(config), java.time.Clock.systemUTC());
            log.info("dashboard on {}", dashboard.url());
        }
    }

    @Override
    public StageHealth health() {
        KafkaStreams.State state = streams.state();
        boolean live = state != KafkaStreams.State.ERROR && state != KafkaStreams.State.NOT_RUNNING
                && state != KafkaStreams.State.PENDING_ERROR;
        Dashboard d = dashboard;
        return new StageHealth(live, state == KafkaStreams.State.RUNNING, false,
                d == null ? Map.of("streams", state.name()) : Map.of("streams", state.name(), "dashboard", d.url()));
    }

    /** The Streams state, for tests and the launcher's logs. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The dashboard's address once started, if enabled. */
    public java.util.Optional<String> dashboardUrl() {
        return java.util.Optional.ofNullable(dashboard).map(Dashboard::url);
    }

    @Override
    public void close() {
        if (dashboard != null) {
            dashboard.close();
        }
        // leave the group: the instances that stay (or this one's replacement) take its tasks at once, not after the
        // session timeout (45 s by default) Kafka Streams otherwise waits for when a member closes without leaving
        streams.close(CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        streamsMetrics.close();
    }
}
