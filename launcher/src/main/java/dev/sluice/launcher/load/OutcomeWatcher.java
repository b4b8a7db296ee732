package dev.sluice.launcher.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.DeadLetter;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the pipeline's terminal topics (results, rejections, dead letters) from their end at start,
 * read_committed, and reports each request's outcome as it becomes visible: how the load generator and the
 * demo know a request is done and how long it took.
 */
public final class OutcomeWatcher implements AutoCloseable {
    /** How a request ended (RESULT, REJECTED, DEAD_LETTER) or, when following intermediate topics, where it got to. */
    public enum Kind {
        RESULT, REJECTED, DEAD_LETTER, ADMITTED, ENRICHED;

        public boolean terminal() {
            return this == RESULT || this == REJECTED || this == DEAD_LETTER;
        }
    }

    /** One outcome: which request, how it ended, and when this process saw it (epoch millis). */
    public record Outcome(String requestId, Kind kind, String detail, long seenAtMillis) {}

    private final TopicCatalog catalog;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final BiConsumer<Outcome, Object> listener;
    private final Thread thread;
    private final Map<Kind, AtomicLong> counts = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    /** Starts following; {@code listener} gets each outcome with its decoded record (result, rejection or dead letter). */
    public OutcomeWatcher(Map<String, Object> kafkaProperties, TopicCatalog catalog, BiConsumer<Outcome, Object> listener) {
        this(kafkaProperties, catalog, false, listener);
    }

    /** As above; with {@code intermediate}, also reports ADMITTED and ENRICHED as requests pass those topics. */
    public OutcomeWatcher(Map<String, Object> kafkaProperties, TopicCatalog catalog, boolean intermediate,
                          BiConsumer<Outcome, Object> listener) {
        this.catalog = catalog;
        this.listener = listener;
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        List<String> topics = new ArrayList<>(List.of(catalog.results().name(), catalog.rejected().name(), catalog.dlq().name()));
        if (intermediate) {
            topics.addAll(List.of(catalog.admitted().name(), catalog.enriched().name()));
        }
        for (String topic : topics) {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // pin the start now, before anything is sent
        for (Kind k : Kind.values()) {
            counts.put(k, new AtomicLong());
        }
        this.thread = new Thread(this::loop, "sluice-outcomes");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    handle(record);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        long now = System.currentTimeMillis();
        String topic = record.topic();
        try {
            if (topic.equals(catalog.results().name())) {
                GenerationResult r = catalog.results().valueSerde().deserializer().deserialize(topic, record.headers(), record.value());
                emit(new Outcome(r.getRequestId(), Kind.RESULT, r.getCacheHit() ? "cache" : r.getProvider(), now), r);
            } else if (topic.equals(catalog.rejected().name())) {
                RejectedRequest r = catalog.rejected().valueSerde().deserializer().deserialize(topic, record.headers(), record.value());
                emit(new Outcome(r.getRequestId(), Kind.REJECTED, r.getReason().name(), now), r);
            } else if (topic.equals(catalog.admitted().name())) {
                AdmittedRequest a = catalog.admitted().valueSerde().deserializer().deserialize(topic, record.headers(), record.value());
                emit(new Outcome(a.getRequest().getRequestId(), Kind.ADMITTED, a.getTier(), now), a);
            } else if (topic.equals(catalog.enriched().name())) {
                EnrichedRequest e = catalog.enriched().valueSerde().deserializer().deserialize(topic, record.headers(), record.value());
                emit(new Outcome(e.getAdmitted().getRequest().getRequestId(), Kind.ENRICHED, e.getEmbeddingSource().name(), now), e);
            } else {
                DeadLetter d = DeadLetterHeaders.describe(record);
                String id = d.getRequestId() == null ? "" : d.getRequestId();
                emit(new Outcome(id, Kind.DEAD_LETTER, d.getStage() + ":" + d.getErrorClass(), now), d);
            }
        } catch (RuntimeException e) {
            // An output we cannot decode is not ours to judge; count it as a dead letter without an id.
            emit(new Outcome("", Kind.DEAD_LETTER, "undecodable:" + topic, now), null);
        }
    }

    private void emit(Outcome outcome, Object value) {
        counts.get(outcome.kind()).incrementAndGet();
        listener.accept(outcome, value);
    }

    public long count(Kind kind) {
        return counts.get(kind).get();
    }

    /** Requests that reached an end: results + rejections + dead letters. */
    public long terminal() {
        return count(Kind.RESULT) + count(Kind.REJECTED) + count(Kind.DEAD_LETTER);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
