package dev.sluice.ingest.admission;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.rules.Policies;
import dev.sluice.ingest.wire.FakeSchemaRegistry;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.Role;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** A TopologyTestDriver around the admission topology with typed topics and request builders. */
public final class AdmissionDriver implements AutoCloseable {
    /** A Monday 10:00 UTC: tests move time forward from here. */
    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    final TopologyTestDriver driver;
    final TopicCatalog topics;
    final IngestConfig config;
    /** The meters' wall clock, which the age gauges measure against: {@link #T0} until a test moves it. */
    final MockClock wall = new MockClock();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, wall);
    final TestInputTopic<String, LlmRequest> requests;
    final TestInputTopic<byte[], byte[]> rawRequests;
    final TestInputTopic<String, CostEvent> costs;
    final TestInputTopic<String, UserPolicy> policies;
    final TestOutputTopic<String, AdmittedRequest> admitted;
    final TestOutputTopic<String, RejectedRequest> rejected;
    final TestOutputTopic<byte[], byte[]> dlq;
    /** What admission writes to llm.costs: OVERSPENT flags only. */
    final TestOutputTopic<String, CostEvent> costFlags;
    private final Path stateDir;

    AdmissionDriver() {
        this(Map.of());
    }

    AdmissionDriver(Map<String, String> overrides) {
        this(overrides, Map.of());
    }

    AdmissionDriver(Map<String, String> overrides, Map<String, Object> streamsOverrides) {
        try {
            stateDir = Files.createTempDirectory("admission-ttd");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        wall.add(Duration.ofMillis(T0.toEpochMilli() - wall.wallTime()));
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put("state.dir", stateDir.toString());
        config = IngestConfig.from(SluiceConfig.of(settings));
        topics = new TopicCatalog("", 6, new SchemaRegistryClient(FakeSchemaRegistry.get().url()));
        Properties props = AdmissionTopology.streamsProperties(config, topics, Map.of("bootstrap.servers", "unused:9092"));
        props.putAll(streamsOverrides);
        driver = new TopologyTestDriver(AdmissionTopology.build(config, topics, new AdmissionMetrics(meters)), props, T0);
        requests = driver.createInputTopic(topics.requests().name(), topics.requests().keySerde().serializer(),
                topics.requests().valueSerde().serializer());
        rawRequests = driver.createInputTopic(topics.requests().name(), new ByteArraySerializer(), new ByteArraySerializer());
        costs = driver.createInputTopic(topics.costs().name(), topics.costs().keySerde().serializer(),
                topics.costs().valueSerde().serializer());
        policies = driver.createInputTopic(topics.userPolicies().name(), topics.userPolicies().keySerde().serializer(),
                topics.userPolicies().valueSerde().serializer());
        admitted = driver.createOutputTopic(topics.admitted().name(), topics.admitted().keySerde().deserializer(),
                topics.admitted().valueSerde().deserializer());
        rejected = driver.createOutputTopic(topics.rejected().name(), topics.rejected().keySerde().deserializer(),
                topics.rejected().valueSerde().deserializer());
        dlq = driver.createOutputTopic(topics.dlq().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        costFlags = driver.createOutputTopic(topics.costs().name(), topics.costs().keySerde().deserializer(),
                topics.costs().valueSerde().deserializer());
    }

    public static LlmRequest.Builder request(String user) {
        return LlmRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setUserId(user)
                .setModel("gpt-4o-mini")
                .setMessages(List.of(new ChatMessage(Role.USER, "Summarise the meeting notes.")))
                .setMaxOutputTokens(100)
                .setCreatedAt(T0);
    }

    /** Sends {@code request} at {@code at} and returns the decision: an AdmittedRequest or a RejectedRequest. */
    Object send(LlmRequest request, Instant at) {
        requests.pipeInput(request.getUserId(), request, at);
        return decision();
    }

    Object send(String user, Instant at) {
        return send(request(user).build(), at);
    }

    /** The single decision produced since the last call. */
    Object decision() {
        List<AdmittedRequest> a = admitted.readValuesToList();
        List<RejectedRequest> r = rejected.readValuesToList();
        if (a.size() + r.size() != 1) {
            throw new AssertionError("expected exactly one decision, got " + a.size() + " admitted and " + r.size() + " rejected");
        }
        return a.isEmpty() ? r.get(0) : a.get(0);
    }

    /** A CHARGED cost event at broker time {@code at}. */
    void cost(String user, String requestId, long costMicros, Instant at) {
        costs.pipeInput(user, costEvent(user, requestId, costMicros, at).build(), at);
    }

    /** A RELEASED event (the request will not be called) at broker time {@code at}. */
    void release(String user, String requestId, Instant at) {
        costs.pipeInput(user, costEvent(user, requestId, 0, at).setKind(CostKind.RELEASED).build(), at);
    }

    public static CostEvent.Builder costEvent(String user, String requestId, long costMicros, Instant at) {
        return CostEvent.newBuilder().setRequestId(requestId).setUserId(user).setModel("gpt-4o-mini")
                .setProvider("simulated").setInputTokens(10).setOutputTokens(10).setCostMicros(costMicros)
                .setOccurredAt(at);
    }

    void policy(String user, UserPolicy.Builder policy, Instant at) {
        policies.pipeInput(user, policy.setUserId(user).setUpdatedAt(at).build(), at);
    }

    /** Gives {@code user} a PRO policy no request of a test or benchmark reaches: every request is admitted unless it is a duplicate. */
    void unlimited(String user) {
        policy(user, tier("PRO").setRequestsPerMinute(1_000_000).setRequestsPerDay(Integer.MAX_VALUE)
                .setTokensPerMinute(Long.MAX_VALUE / 4).setDailyBudgetMicros(Long.MAX_VALUE / 4), T0);
    }

    public static UserPolicy.Builder tier(String tier) {
        return UserPolicy.newBuilder().setUserId("").setTier(tier).setUpdatedAt(T0);
    }

    UserState state(String user) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(AdmissionTopology.USER_STATE_STORE);
        return UserState.decode(store.get(user));
    }

    /** Whether the user-state store holds an entry for {@code user}. */
    boolean hasState(String user) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(AdmissionTopology.USER_STATE_STORE);
        return store.get(user) != null;
    }

    /** The keys of the admitted-request entries the store keeps for {@code user}. */
    List<String> requestEntries(String user) {
        return keysOf(AdmissionTopology.REQUESTS_STORE, user);
    }

    /** The keys of {@code user}'s sealed window chunks. */
    List<String> windowChunks(String user) {
        return keysOf(AdmissionTopology.USER_WINDOW_STORE, user);
    }

    private List<String> keysOf(String storeName, String user) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(storeName);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(user + "|", new StringSerializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    /** A RocksDB property of {@code store} as Kafka Streams reports it (recording level INFO, the default); NaN if it has none. */
    double rocksDbMetric(String store, String name) {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && store.equals(e.getKey().tags().get("rocksdb-state-id")))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .findFirst().orElse(Double.NaN);
    }

    /** Where the driver's stores keep their files. */
    Path stateDir() {
        return stateDir;
    }

    Usage usage(String user, Instant now) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(AdmissionTopology.USER_STATE_STORE);
        KeyValueStore<String, UserPolicy> policyStore = driver.getKeyValueStore(AdmissionTopology.POLICIES_STORE);
        KeyValueStore<String, byte[]> windows = driver.getKeyValueStore(AdmissionTopology.USER_WINDOW_STORE);
        return Usage.of(user, store.get(user), windows, new Policies(config).resolve(policyStore.get(user)), now.toEpochMilli());
    }

    double counter(String name, String... tags) {
        var search = meters.find(name);
        if (tags.length > 0) {
            search = search.tags(tags);
        }
        var c = search.counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
