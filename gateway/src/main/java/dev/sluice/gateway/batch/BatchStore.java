package dev.sluice.gateway.batch;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.TopicTail;
import dev.sluice.gateway.http.Json;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Where the Batch API keeps what must survive a restart, in two gateway-internal topics: {@code llm.gateway.files}
 * (one record per uploaded JSONL line, keyed by file id, so a file is a contiguous run in one partition) and the
 * compacted {@code llm.gateway.batches} (JSON metadata of files and batches, keyed {@code file:<id>} /
 * {@code batch:<id>}), which every instance reads whole. Values are JSON, not Avro: these topics are the
 * gateway's own state, not a contract other services consume.
 */
public final class BatchStore implements AutoCloseable {
    public static final String FILES_TOPIC = dev.sluice.contracts.TopicNames.GATEWAY_FILES;
    public static final String META_TOPIC = dev.sluice.contracts.TopicNames.GATEWAY_BATCHES;
    /** Retention of uploaded files: 7 days, like the outcome topics the output files are derived from. */
    static final long FILES_RETENTION_MS = 7L * 24 * 3600 * 1000;

    private final String filesTopic;
    private final String metaTopic;
    private final Map<String, Object> kafka;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, ObjectNode> meta = new ConcurrentHashMap<>();
    private final TopicTail tail;

    public BatchStore(Map<String, Object> kafka, String prefix, short replication, String clientId) {
        this.kafka = kafka;
        this.filesTopic = prefix + FILES_TOPIC;
        this.metaTopic = prefix + META_TOPIC;
        createTopics(replication);
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.tail = new TopicTail(clientId + "-batches", kafka, List.of(metaTopic),
                c -> c.beginningOffsets(c.assignment()).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                this::applyMeta);
    }

    private void createTopics(short replication) {
        try (Admin admin = Admin.create(kafka)) {
            for (NewTopic topic : List.of(
                    new NewTopic(filesTopic, 1, replication).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(FILES_RETENTION_MS))),
                    new NewTopic(metaTopic, 1, replication).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))) {
                try {
                    admin.createTopics(Set.of(topic)).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating the batch topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating the batch topics", e);
        }
    }

    public BatchStore start() throws InterruptedException {
        tail.start();
        if (!tail.awaitCaughtUp(Duration.ofSeconds(60))) {
            throw new IllegalStateException("could not read " + metaTopic + " within 60 s");
        }
        return this;
    }

    private void applyMeta(ConsumerRecord<byte[], byte[]> record) {
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            meta.remove(key);
            return;
        }
        try {
            ObjectNode value = (ObjectNode) Json.MAPPER.readTree(record.value());
            meta.merge(key, value, BatchStore::newer);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable metadata record " + key, e);
        }
    }

    /** Appends one line of a file; returns where it landed (the first and last offsets describe the file). */
    public java.util.concurrent.Future<RecordMetadata> appendLine(String fileId, byte[] line) {
        return producer.send(new ProducerRecord<>(filesTopic, fileId.getBytes(StandardCharsets.UTF_8), line));
    }

    /** Writes metadata durably and applies it here at once (the tail will confirm it). */
    public void putMeta(String key, ObjectNode value) {
        try {
            producer.send(new ProducerRecord<>(metaTopic, key.getBytes(StandardCharsets.UTF_8), Json.write(value).getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted writing " + key, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not write " + key + " to " + metaTopic, e);
        }
        meta.merge(key, value, BatchStore::newer);
    }

    /** Versions only move forward: a late, older record (a resumed publisher's marker) never undoes a newer state. */
    private static ObjectNode newer(ObjectNode old, ObjectNode neu) {
        return neu.path("version").asLong() >= old.path("version").asLong() ? neu : old;
    }

    public Optional<ObjectNode> meta(String key) {
        return Optional.ofNullable(meta.get(key)).map(ObjectNode::deepCopy);
    }

    public Map<String, ObjectNode> allMeta() {
        return Map.copyOf(meta);
    }

    public void flush() {
        producer.flush();
    }

    /** Streams a stored file's lines in order, one at a time (a file is never held whole in memory). */
    public void readFile(ObjectNode file, Consumer<byte[]> line) {
        TopicPartition tp = new TopicPartition(filesTopic, file.path("partition").asInt());
        long first = file.path("first_offset").asLong();
        long last = file.path("last_offset").asLong();
        String fileId = file.path("id").asText();
        if (last < first) {
            return;
        }
        Map<String, Object> props = new HashMap<>(kafka);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, first);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (consumer.position(tp) <= last) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read file " + fileId + " within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() <= last && fileId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        line.accept(r.value());
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        tail.close();
        producer.close(Duration.ofSeconds(10));
    }
}
