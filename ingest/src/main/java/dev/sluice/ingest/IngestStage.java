package dev.sluice.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.ingest.admission.AdmissionMetrics;
import dev.sluice.ingest.admission.AdmissionTopology;
import dev.sluice.ingest.admission.BrokerTimePreflight;
import dev.sluice.ingest.admission.FormerIdPreflight;
import dev.sluice.ingest.admission.Usage;
import dev.sluice.ingest.ceiling.CeilingPreflight;
import dev.sluice.ingest.rules.Policies;
import dev.sluice.ingest.wire.DeadLetterHandler;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission stage: wires {@link AdmissionTopology} into a {@link KafkaStreams} instance, checks
 * co-partitioning before it starts, and answers {@link #usage(String)} from local state. A stream thread that
 * dies of a schema registry outage is replaced (its uncommitted work is retried); any other fatal error
 * shuts the client down and {@link #health()} says so.
 */
public final class IngestStage implements Stage {
    private static final Logger log = LoggerFactory.getLogger(IngestStage.class);

    private static final Duration METADATA_WAIT = Duration.ofSeconds(15);

    private final IngestConfig config;
    private final TopicCatalog topics;
    private final Map<String, Object> kafkaClient;
    private final AdmissionMetrics metrics;
    private final Policies policies;
    private final Clock clock;
    private final MeterRegistry meters;
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private CleanStopMark cleanStop;

    /** The launcher's constructor. */
    public IngestStage(SluiceConfig config, TopicCatalog topics, MeterRegistry meters) {
        this(IngestConfig.from(config), topics, meters, kafkaClient(config), Clock.systemUTC());
    }

    /** With injected collaborators, for tests. */
    public IngestStage(IngestConfig config, TopicCatalog topics, MeterRegistry meters, Map<String, Object> kafkaClient, Clock clock) {
        this.config = config;
        this.topics = topics;
        this.kafkaClient = Map.copyOf(kafkaClient);
        this.metrics = new AdmissionMetrics(meters);
        this.meters = meters;
        this.policies = new Policies(config);
        this.clock = clock;
    }

    private static Map<String, Object> kafkaClient(SluiceConfig config) {
        Map<String, Object> props = new HashMap<>(CommonKeys.kafkaClientProperties(config));
        // Only when set: unset leaves Streams' own default (the broker's) for the changelogs.
        if (config.find(CommonKeys.TOPIC_REPLICATION_FACTOR).isPresent()) {
            props.put("replication.factor", CommonKeys.read(config).intValue(CommonKeys.TOPIC_REPLICATION_FACTOR));
        }
        return props;
    }

    @Override
    public String name() {
        return "ingest";
    }

    /**
     * Fails fast (IllegalStateException naming the topics and the fix) if llm.costs and llm.requests differ in
     * partitions or either is not {@code LogAppendTime} ({@link BrokerTimePreflight}), or if the application id's
     * former default has read the requests topic and this id has not ({@link FormerIdPreflight}).
     */
    @Override
    public synchronized void start() {
        if (streams != null) {
            throw new IllegalStateException("ingest stage already started");
        }
        requirePreflight();
        Properties props = AdmissionTopology.streamsProperties(config, topics, kafkaClient);
        // the constructor locks the state directory: no other instance uses it while the mark is read and written
        streams = new KafkaStreams(AdmissionTopology.build(config, topics, metrics), props);
        cleanStop = CleanStopMark.of(props);
        if (cleanStop.startRun()) {
            log.warn("admission did not close cleanly last time: its policy table is rebuilt from {} (deleted {}; KAFKA-21034)",
                    topics.userPolicies().name(), cleanStop.globalStateDir());
        }
        streams.setUncaughtExceptionHandler(e -> {
            if (DeadLetterHandler.isRegistryOutage(e)) {
                log.warn("stream thread stopped by a schema registry outage; replacing it to retry: {}", e.getMessage());
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            log.error("admission stream thread failed; shutting the ingest stage down", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setGlobalStateRestoreListener(metrics.restores());
        streams.setStandbyUpdateListener(metrics.restores());
        // Streams' own metrics (kafka.stream.thread.commit.rate, commit.latency.max, process.rate, ...) on /metrics
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        streams.start();
    }

    // Topics created a moment ago may not be in every broker's metadata yet: retry "unknown topic" for a while.
    private void requirePreflight() {
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        try (Admin admin = Admin.create(kafkaClient)) {
            while (true) {
                try {
                    TopicSetup.requireCoPartitioned(topics, admin);
                    admin.describeTopics(List.of(topics.userPolicies().name())).allTopicNames().get();
                    BrokerTimePreflight.require(admin, topics);
                    FormerIdPreflight.require(admin, topics, config.applicationId());
                    if (config.ceiling().enabled()) {
                        CeilingPreflight.require(admin, topics);
                    }
                    return;
                } catch (IllegalStateException | ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                        throw e instanceof ExecutionException ? new IllegalStateException("could not check the input topics "
                                + topics.requests().name() + ", " + topics.costs().name() + " and " + topics.userPolicies().name()
                                + ": " + e.getCause().getMessage(), e.getCause()) : (IllegalStateException) e;
                    }
                    Thread.sleep(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the input topics", e);
        }
    }

    @Override
    public StageHealth health() {
        KafkaStreams s = streams;
        String state = s == null ? "NOT_STARTED" : s.state().name();
        boolean live = s != null && s.state() != KafkaStreams.State.ERROR && s.state() != KafkaStreams.State.NOT_RUNNING
                && s.state() != KafkaStreams.State.PENDING_ERROR;
        boolean ready = s != null && s.state() == KafkaStreams.State.RUNNING;
        return new StageHealth(live, ready, false, Map.of("kafka.streams", state));
    }

    /**
     * The user's usage now, if this instance hosts the user's partition (else empty: ask the instance that
     * does; with several instances, set {@code kafka.application.server} and use the Streams metadata).
     */
    public Optional<Usage> usage(String userId) {
        KafkaStreams s = streams;
        if (s == null || s.state() != KafkaStreams.State.RUNNING) {
            return Optional.empty();
        }
        int partition = Utils.toPositive(Utils.murmur2(userId.getBytes(StandardCharsets.UTF_8))) % topics.requests().partitions();
        try {
            ReadOnlyKeyValueStore<String, byte[]> users = s.store(StoreQueryParameters.fromNameAndType(
                    AdmissionTopology.USER_STATE_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(partition));
            ReadOnlyKeyValueStore<String, UserPolicy> policyStore = s.store(StoreQueryParameters.fromNameAndType(
                    AdmissionTopology.POLICIES_STORE, QueryableStoreTypes.<String, UserPolicy>keyValueStore()));
            ReadOnlyKeyValueStore<String, byte[]> windows = s.store(StoreQueryParameters.fromNameAndType(
                    AdmissionTopology.USER_WINDOW_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(partition));
            return Optional.of(Usage.of(userId, users.get(userId), windows, policies.resolve(policyStore.get(userId)), clock.millis()));
        } catch (InvalidStateStoreException e) {
            return Optional.empty();
        }
    }

    /** The running Streams client (null before start), for tests and the benchmark. */
    KafkaStreams streams() {
        return streams;
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            // a client that failed may have left a store open (a global thread that died on one, KAFKA-21034): no mark,
            // and the next start rebuilds the policy table
            KafkaStreams.State before = streams.state();
            boolean healthy = before != KafkaStreams.State.ERROR && before != KafkaStreams.State.PENDING_ERROR;
            // leave the group: the instances that stay (or this one's replacement) take its tasks at once, not after the
            // session timeout (45 s by default) Kafka Streams otherwise waits for when a member closes without leaving
            boolean closed = streams.close(CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            if (healthy && closed) {
                cleanStop.endRunCleanly();
            }
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
    }
}
