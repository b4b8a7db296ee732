package dev.sluice.launcher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.StageProvider;
import dev.sluice.launcher.StageHost;
import dev.sluice.launcher.infra.StageCatalog;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.OutcomeWatcher;
import dev.sluice.launcher.load.Requests;
import dev.sluice.launcher.load.TopicReader;
import dev.sluice.schema.DeadLetter;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every stage in one JVM on the test kit's real broker, registry and Redis: each request sent ends as exactly
 * one result, rejection or dead letter (read_committed), and a malformed record ends as one dead letter.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class EndToEndIT {
    static final List<String> PIPELINE = List.of("ingest", "enrichment", "generation");

    /** The three pipeline stages, or a skip (with what is missing) while they have not landed in this build. */
    static List<StageProvider> pipeline() {
        Map<String, StageProvider> found = StageCatalog.discover().all();
        Assumptions.assumeTrue(found.keySet().containsAll(PIPELINE), "stages missing from the class path: " + PIPELINE.stream()
                .filter(s -> !found.containsKey(s)).toList());
        return PIPELINE.stream().map(found::get).toList();
    }

    /** Configuration of an isolated pipeline (own topics, groups and state) on the test kit. */
    static SluiceConfig config(String prefix, KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis, Path state,
                               Map<String, String> extra) {
        Map<String, String> values = new HashMap<>(Map.of(
                CommonKeys.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                CommonKeys.SCHEMA_REGISTRY_URL, registry.url(),
                CommonKeys.REDIS_URL, redis.uri(),
                CommonKeys.TOPIC_PREFIX, prefix,
                CommonKeys.TOPIC_PARTITIONS, "3",
                CommonKeys.STATE_DIR, state.toString(),
                CommonKeys.PROVIDER, "simulated",
                "ingest.application.id", prefix + "ingest",
                "enrichment.group.id", prefix + "enrichment",
                "generation.group.id", prefix + "generation"));
        values.put("simulated.latency.ms", "5");
        values.putAll(extra);
        return SluiceConfig.of(values);
    }

    @Test
    void shouldEndEveryRequestAsExactlyOneResultRejectionOrDeadLetter(KafkaBroker kafka, SchemaRegistryServer registry,
                                                                      RedisServer redis, @TempDir Path state) throws Exception {
        List<StageProvider> stages = pipeline();
        String prefix = SluiceInfra.uniquePrefix("e2e");
        SluiceConfig config = config(prefix, kafka, registry, redis, state, Map.of());
        TopicCatalog catalog = Topics.catalog(config, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            Topics.createAll(admin, catalog, (short) 1);
        }
        Map<String, Object> props = CommonKeys.kafkaClientProperties(config);
        List<String> users = List.of("u1", "u2", "u3", "u4");
        Set<String> sent = new HashSet<>();

        // Policies before the stages: admission reads the policies topic to its end before it admits anything.
        try (KafkaProducer<String, dev.sluice.schema.UserPolicy> policies = new KafkaProducer<>(props,
                catalog.userPolicies().keySerde().serializer(), catalog.userPolicies().valueSerde().serializer())) {
            users.forEach(u -> policies.send(new ProducerRecord<>(catalog.userPolicies().name(), u, Requests.unlimited(u, Instant.now()))));
        }
        try (StageHost host = StageHost.start(stages, config, catalog, new SimpleMeterRegistry());
             OutcomeWatcher watcher = new OutcomeWatcher(props, catalog, (o, v) -> { })) {
            await().atMost(Duration.ofSeconds(120)).until(() -> host.health().ready());
            try (KafkaProducer<String, LlmRequest> producer = new KafkaProducer<>(props, catalog.requests().keySerde().serializer(),
                    catalog.requests().valueSerde().serializer())) {
                for (int i = 0; i < 40; i++) {
                    String user = users.get(i % users.size());
                    LlmRequest request = Requests.request(user, Requests.DEFAULT_MODEL, "question " + (i % 7), 64, Instant.now());
                    sent.add(request.getRequestId());
                    producer.send(new ProducerRecord<>(catalog.requests().name(), user, request));
                }
                LlmRequest invalid = Requests.request("u1", "no-such-model", "hello", 64, Instant.now());
                sent.add(invalid.getRequestId());
                producer.send(new ProducerRecord<>(catalog.requests().name(), "u1", invalid));
            }
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(catalog.requests().name(), "u2".getBytes(StandardCharsets.UTF_8),
                        "not avro at all".getBytes(StandardCharsets.UTF_8)));
            }

            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .until(() -> watcher.terminal() >= sent.size() + 1);
            Thread.sleep(2_000); // anything extra (a second result) would show up now
        }

        Duration read = Duration.ofSeconds(30);
        List<GenerationResult> results = TopicReader.readAll(props, catalog.results(), read);
        List<RejectedRequest> rejected = TopicReader.readAll(props, catalog.rejected(), read);
        List<DeadLetter> dead = deadLetters(props, catalog);
        List<String> outcomeIds = new ArrayList<>();
        results.forEach(r -> outcomeIds.add(r.getRequestId()));
        rejected.forEach(r -> outcomeIds.add(r.getRequestId()));
        dead.stream().filter(d -> d.getRequestId() != null).forEach(d -> outcomeIds.add(d.getRequestId()));

        Map<String, Long> perId = outcomeIds.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        assertThat(perId.keySet()).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(perId).allSatisfy((id, n) -> assertThat(n).as("outcomes of " + id).isEqualTo(1L));
        assertThat(rejected).anySatisfy(r -> assertThat(r.getReason().name()).isEqualTo("INVALID"));
        assertThat(results).hasSizeGreaterThanOrEqualTo(30);
        assertThat(dead.stream().filter(d -> d.getRequestId() == null)).hasSize(1);
    }

    private static List<DeadLetter> deadLetters(Map<String, Object> props, TopicCatalog catalog) {
        Map<String, Object> consumer = new HashMap<>(props);
        List<DeadLetter> out = new ArrayList<>();
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(withReadCommitted(consumer),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partitions = c.partitionsFor(catalog.dlq().name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            var end = c.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(DeadLetterHeaders.describe(r)));
            }
        }
        return out;
    }

    private static Map<String, Object> withReadCommitted(Map<String, Object> props) {
        props.put("isolation.level", "read_committed");
        return props;
    }
}
