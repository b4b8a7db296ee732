package dev.sluice.ingest;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import dev.sluice.common.SluiceConfig;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.awaitility.Awaitility;

/** Real-broker helpers: a topic catalog under a unique prefix, admission instances, producers and consumers. */
final class IngestCluster implements AutoCloseable {
    /** Partitions of every topic (the default the ceiling's base shares divide by). */
    static final int PARTITIONS = TopicCatalog.DEFAULT_PARTITIONS;
    final KafkaBroker kafka;
    final TopicCatalog topics;
    final String prefix;
    private final Map<String, String> settings;
    private final List<IngestStage> stages = new ArrayList<>();
    private final List<SimpleMeterRegistry> meters = new ArrayList<>();

    IngestCluster(KafkaBroker kafka, SchemaRegistryServer registry, String name, Map<String, String> settings) {
        this.kafka = kafka;
        this.prefix = SluiceInfra.uniquePrefix(name);
        this.topics = new TopicCatalog(prefix, PARTITIONS, new SchemaRegistryClient(registry.url()));
        this.settings = settings;
        try (Admin admin = kafka.admin()) {
            // createAll checks co-partitioning right after creating; metadata can lag a moment behind.
            Awaitility.await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
                TopicSetup.createAll(topics, admin, (short) 1);
                return true;
            });
        }
    }

    /** Starts one more admission instance (same application id, own state dir) and waits until it runs. */
    IngestStage startInstance() {
        return startInstance(stages.size());
    }

    /**
     * Starts one more admission instance on the {@code dir}-th instance's state dir: with the index of an instance
     * closed before, that instance restarted where it ran. Its meters are {@link #meters(int)} of the next index.
     */
    IngestStage startInstance(int dir) {
        Map<String, String> s = new HashMap<>(settings);
        s.put(IngestConfig.APPLICATION_ID, applicationId());
        s.put("state.dir", stateDir(dir).toString());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        meters.add(registry);
        IngestStage stage = new IngestStage(IngestConfig.from(SluiceConfig.of(s)), topics, registry,
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "commit.interval.ms", 100), Clock.systemUTC());
        stages.add(stage);
        stage.start();
        return stage;
    }

    /** The application id every instance shares. */
    String applicationId() {
        return prefix + "ingest";
    }

    /** The {@code i}-th instance's {@code state.dir}; Kafka Streams keeps its state under {@link #applicationId()} there. */
    Path stateDir(int i) {
        return SluiceInfra.workDir("state").resolve(prefix + i);
    }

    /** The meters the {@code i}-th instance registered (what its {@code /metrics} would show). */
    SimpleMeterRegistry meters(int i) {
        return meters.get(i);
    }

    /** The consumer group members admission's instances hold now (one per stream thread of each instance in it). */
    Collection<MemberDescription> groupMembers() throws Exception {
        try (Admin admin = kafka.admin()) {
            String group = applicationId();
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().members();
        }
    }

    void awaitAllRunning() {
        Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                .until(() -> stages.stream().allMatch(s -> s.health().ready()));
    }

    <K, V> KafkaProducer<K, V> producer(Topic<K, V> topic) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /** A read_committed consumer of {@code topic} from the beginning: sees only what admission committed. */
    <K, V> KafkaConsumer<K, V> consumer(Topic<K, V> topic) {
        KafkaConsumer<K, V> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topic.name() + "-reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        consumer.subscribe(List.of(topic.name()));
        return consumer;
    }

    /** A reader of both outcome topics from the beginning, read_committed: every decision admission committed. */
    Decisions decisions() {
        return new Decisions(consumer(topics.admitted()), consumer(topics.rejected()));
    }

    /** The decisions read so far ({@link #admitted}, {@link #rejected}), in the order each topic's reader saw them. */
    static final class Decisions implements AutoCloseable {
        final List<AdmittedRequest> admitted = new ArrayList<>();
        final List<RejectedRequest> rejected = new ArrayList<>();
        /** The record timestamp of every decision read, both topics. */
        final List<Long> timestamps = new ArrayList<>();
        private final KafkaConsumer<String, AdmittedRequest> admittedReader;
        private final KafkaConsumer<String, RejectedRequest> rejectedReader;

        private Decisions(KafkaConsumer<String, AdmittedRequest> admittedReader, KafkaConsumer<String, RejectedRequest> rejectedReader) {
            this.admittedReader = admittedReader;
            this.rejectedReader = rejectedReader;
        }

        /** Reads both topics until at least {@code atLeast} decisions in all have been read. */
        void await(int atLeast) {
            awaitUntil(() -> admitted.size() + rejected.size() >= atLeast);
        }

        /** Reads both topics until {@code done} holds (at most 120 s). */
        void awaitUntil(BooleanSupplier done) {
            Awaitility.await().atMost(120, TimeUnit.SECONDS).until(() -> {
                admittedReader.poll(Duration.ofMillis(100)).forEach(r -> {
                    admitted.add(r.value());
                    timestamps.add(r.timestamp());
                });
                rejectedReader.poll(Duration.ofMillis(100)).forEach(r -> {
                    rejected.add(r.value());
                    timestamps.add(r.timestamp());
                });
                return done.getAsBoolean();
            });
        }

        @Override
        public void close() {
            admittedReader.close();
            rejectedReader.close();
        }
    }

    @Override
    public void close() {
        stages.forEach(IngestStage::close);
    }
}
