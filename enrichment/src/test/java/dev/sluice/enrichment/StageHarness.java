package dev.sluice.enrichment;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.enrichment.cache.AbsentCache;
import dev.sluice.enrichment.cache.LettuceEmbeddingCache;
import dev.sluice.enrichment.embed.Embedder;
import dev.sluice.enrichment.embed.SharedModel;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Real Kafka, registry and Redis around an enrichment stage: produce admitted requests, read what comes out. */
final class StageHarness implements AutoCloseable {
    final TopicCatalog catalog;
    final SluiceConfig config;
    private final KafkaBroker kafka;
    private final RedisServer redis;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> enrichedReader;
    private final KafkaConsumer<byte[], byte[]> dlqReader;
    final List<EnrichedRequest> enriched = new ArrayList<>();
    final List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();

    StageHarness(String name, KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) {
        this.kafka = kafka;
        this.redis = redis;
        String prefix = SluiceInfra.uniquePrefix(name);
        this.catalog = new TopicCatalog(prefix, 3, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            // createAll describes the topics right after creating them, which can race metadata propagation: retry.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> TopicSetup.createAll(catalog, admin, (short) 1) != null);
        }
        this.config = SluiceConfig.of(Map.of(
                CommonKeys.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                CommonKeys.REDIS_URL, redis.uri(),
                CommonKeys.TOPIC_PREFIX, prefix,
                CommonKeys.STATE_DIR, SharedModel.stateDir().toString(),
                EnrichmentConfig.BREAKER_OPEN_MS, "1000",
                EnrichmentConfig.RETRY_BACKOFF_MS, "200"));
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
        this.enrichedReader = reader(catalog.enriched().name());
        this.dlqReader = reader(catalog.dlq().name());
    }

    private KafkaConsumer<byte[], byte[]> reader(String topic) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-test-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    EnrichmentStage stage(Embedder embedder, SimpleMeterRegistry meters) {
        return stage(embedder, meters, Map.of());
    }

    /** As {@link #stage(Embedder, SimpleMeterRegistry)}, with settings of this instance only. */
    EnrichmentStage stage(Embedder embedder, SimpleMeterRegistry meters, Map<String, String> overrides) {
        EnrichmentConfig c = EnrichmentConfig.from(config.with(overrides));
        return new EnrichmentStage(c, CommonKeys.kafkaClientProperties(config), catalog, meters, () -> embedder,
                new LettuceEmbeddingCache(redis.uri(), c.redisTimeout()), Clock.systemUTC());
    }

    /** A stage configured without {@code redis.url}, as {@code sluice run enrichment} builds it then. */
    EnrichmentStage stageWithoutRedis(Embedder embedder, SimpleMeterRegistry meters) {
        EnrichmentConfig c = EnrichmentConfig.from(config.with(Map.of(CommonKeys.REDIS_URL, "")));
        return new EnrichmentStage(c, CommonKeys.kafkaClientProperties(config), catalog, meters, () -> embedder,
                new AbsentCache(), Clock.systemUTC());
    }

    void produce(AdmittedRequest request) {
        produceRaw(request.getRequest().getUserId(), catalog.admitted().valueSerde().serializer()
                .serialize(catalog.admitted().name(), request));
    }

    byte[] bytesOf(AdmittedRequest request) {
        return catalog.admitted().valueSerde().serializer().serialize(catalog.admitted().name(), request);
    }

    /** A record stamped {@code timestamp}: an hour-old one is a backlog, not a caller waiting ({@code FreshCommits}). */
    void produceAt(AdmittedRequest request, long timestamp) {
        producer.send(new ProducerRecord<>(catalog.admitted().name(), null, timestamp,
                request.getRequest().getUserId().getBytes(java.nio.charset.StandardCharsets.UTF_8), bytesOf(request)));
    }

    void produceRaw(String key, byte[] value) {
        producer.send(new ProducerRecord<>(catalog.admitted().name(), key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value));
        producer.flush();
    }

    /** Reads whatever has been committed to the enriched and dead-letter topics since the last call. */
    synchronized void drain() {
        for (ConsumerRecord<byte[], byte[]> r : enrichedReader.poll(Duration.ofMillis(100))) {
            enriched.add(catalog.enriched().valueSerde().deserializer().deserialize(r.topic(), r.value()));
        }
        for (ConsumerRecord<byte[], byte[]> r : dlqReader.poll(Duration.ofMillis(50))) {
            deadLetters.add(r);
        }
    }

    long ttlMillis(String key) {
        try (LettuceEmbeddingCache c = new LettuceEmbeddingCache(redis.uri(), Duration.ofSeconds(2))) {
            return c.ttlMillis(key);
        }
    }

    @Override
    public void close() {
        producer.close();
        enrichedReader.close();
        dlqReader.close();
    }
}
