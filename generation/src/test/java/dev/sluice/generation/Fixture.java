package dev.sluice.generation;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;

import dev.sluice.schema.CostEvent;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.serde.AvroDeserializer;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Topics, config and readers for one integration test, isolated by a unique prefix. */
public final class Fixture {
    public final KafkaBroker kafka;
    public final String registryUrl;
    public final String redisUrl;
    public final String prefix;
    public final int partitions;
    public final TopicCatalog catalog;
    private final SchemaRegistryClient registry;

    public Fixture(KafkaBroker kafka, SchemaRegistryServer registryServer, RedisServer redis, String name, int partitions) {
        this.kafka = kafka;
        this.registryUrl = registryServer.url();
        this.redisUrl = redis.uri();
        this.prefix = SluiceInfra.uniquePrefix(name);
        this.partitions = partitions;
        this.registry = new SchemaRegistryClient(registryUrl);
        this.catalog = new TopicCatalog(prefix, partitions, registry);
        try (Admin admin = kafka.admin()) {
            // createAll describes the topics right after creating them; on a fresh broker metadata may lag
            for (int attempt = 1; ; attempt++) {
                try {
                    TopicSetup.createAll(catalog, admin, (short) 1);
                    break;
                } catch (IllegalStateException e) {
                    if (attempt >= 20) throw e;
                    sleep(250);
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stage config: this broker, Redis and prefix, a unique group and instance. */
    public Map<String, String> config(Map<String, String> extra) {
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("schema.registry.url", registryUrl);
        c.put("redis.url", redisUrl);
        c.put("topic.prefix", prefix);
        c.put("topic.partitions", Integer.toString(partitions));
        c.put("generation.group.id", prefix + "generation");
        c.put("generation.instance.id", "it-instance");
        c.putAll(extra);
        return c;
    }

    public byte[] encode(EnrichedRequest request) {
        return catalog.enriched().valueSerde().serializer().serialize(catalog.enriched().name(), request);
    }

    /** Produces raw values to the enriched topic, keyed by userId. */
    public void produce(Map<String, byte[]> byUser) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer())) {
            byUser.forEach((user, value) -> producer.send(new ProducerRecord<>(catalog.enriched().name(), user.getBytes(), value)));
        }
    }

    public RecordMetadata produce(String userId, byte[] value) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(catalog.enriched().name(), userId.getBytes(), value));
            return sent.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    public TopicReader results() {
        return results(true);
    }

    /** The results topic's reader; with {@code committedOnly} false it counts aborted transactions' copies too. */
    public TopicReader results(boolean committedOnly) {
        AvroDeserializer<GenerationResult> d = new AvroDeserializer<>(registry, GenerationResult.class);
        return new TopicReader(kafka.bootstrapServers(), catalog.results().name(),
                (ConsumerRecord<byte[], byte[]> r) -> d.deserialize(r.topic(), r.value()).getRequestId(), committedOnly);
    }

    public TopicReader costs() {
        AvroDeserializer<CostEvent> d = new AvroDeserializer<>(registry, CostEvent.class);
        return new TopicReader(kafka.bootstrapServers(), catalog.costs().name(),
                (ConsumerRecord<byte[], byte[]> r) -> d.deserialize(r.topic(), r.value()).getRequestId());
    }

    public TopicReader dlq() {
        return new TopicReader(kafka.bootstrapServers(), catalog.dlq().name(),
                (ConsumerRecord<byte[], byte[]> r) -> Long.toString(r.offset()) + "@" + r.partition());
    }

    public GenerationResult decodeResult(ConsumerRecord<byte[], byte[]> r) {
        return new AvroDeserializer<>(registry, GenerationResult.class).deserialize(r.topic(), r.value());
    }

    public CostEvent decodeCost(ConsumerRecord<byte[], byte[]> r) {
        return new AvroDeserializer<>(registry, CostEvent.class).deserialize(r.topic(), r.value());
    }
}
