package dev.sluice.reliability;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The workload driver: valid requests at a steady rate (keyed by user), plus raw records for bad-input scenarios.
 * Each request carries its id in a SYSTEM message ({@code rid:<uuid>}), so the checker can attribute every call in
 * the mock provider's log to a request; USER texts come from a small set, so enrichment's Redis cache stays warm.
 */
final class Workload implements AutoCloseable {
    static final String MODEL = "gpt-4o-mini";
    /** The USER text of every request, followed by one of 64 numbers. */
    static final String USER_TEXT = "reliability question ";
    private static final int DISTINCT_TEXTS = 64;

    private final Pipeline pipeline;
    private final KafkaProducer<String, LlmRequest> producer;
    private final KafkaProducer<byte[], byte[]> raw;
    private final Map<String, String> users = new ConcurrentHashMap<>();
    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private String model = MODEL;
    private int maxOutputTokens = 16;

    Workload(Pipeline pipeline) {
        this.pipeline = pipeline;
        Map<String, Object> props = new java.util.HashMap<>(pipeline.kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer = new KafkaProducer<>(props, pipeline.catalog.requests().keySerde().serializer(),
                pipeline.catalog.requests().valueSerde().serializer());
        this.raw = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    Workload model(String model, int maxOutputTokens) {
        this.model = model;
        this.maxOutputTokens = maxOutputTokens;
        return this;
    }

    /** A valid request of {@code user} with a fresh id (not yet sent). */
    LlmRequest request(String user, int n) {
        return request(user, n, model);
    }

    LlmRequest request(String user, int n, String model) {
        String id = UUID.randomUUID().toString();
        return LlmRequest.newBuilder()
                .setRequestId(id)
                .setUserId(user)
                .setModel(model)
                .setMessages(List.of(
                        ChatMessage.newBuilder().setRole(Role.SYSTEM).setContent("rid:" + id).build(),
                        ChatMessage.newBuilder().setRole(Role.USER).setContent(USER_TEXT + (n % DISTINCT_TEXTS)).build()))
                .setMaxOutputTokens(maxOutputTokens)
                .setTemperature(null)
                .setMetadata(Map.of("source", "sluice-reliability"))
                .setCreatedAt(Instant.now())
                .build();
    }

    /** Sends a valid request and remembers its id as one that must reach a terminal outcome. */
    void send(LlmRequest request) {
        send(request, null);
    }

    /** As {@link #send(LlmRequest)}, with the record timestamp the producer claims ({@code null}: the producer's now). */
    void send(LlmRequest request, Long timestamp) {
        users.put(request.getRequestId(), request.getUserId());
        var record = new ProducerRecord<>(pipeline.catalog.requests().name(), null, timestamp, request.getUserId(), request);
        producer.send(record, (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acked.incrementAndGet();
            }
        });
    }

    /** Sends raw bytes to the requests topic (the caller keeps track of what it expects). */
    void sendRaw(byte[] key, byte[] value) {
        raw.send(new ProducerRecord<>(pipeline.catalog.requests().name(), key, value), (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    /** Sends {@code count} requests spread over {@code users} at about {@code perSecond}, on a background thread. */
    CompletableFuture<Void> sendAsync(int count, int perSecond, List<String> users) {
        return sendAsync(count, perSecond, users, model);
    }

    CompletableFuture<Void> sendAsync(int count, int perSecond, List<String> users, String model) {
        return CompletableFuture.runAsync(() -> {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                send(request(users.get(i % users.size()), i, model));
                long due = start + (long) ((i + 1) * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 1_000_000) {
                    try {
                        Thread.sleep(wait / 1_000_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            flush();
        });
    }

    void flush() {
        producer.flush();
        raw.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("the workload could not send", failure.get());
        }
    }

    /** Requests sent so far (ids of valid requests). */
    Set<String> ids() {
        return Set.copyOf(users.keySet());
    }

    /** The user a sent request was for. */
    String userOf(String requestId) {
        return users.get(requestId);
    }

    int sent() {
        return users.size();
    }

    static List<String> users(String prefix, int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> prefix + "-" + i).toList();
    }

    @Override
    public void close() {
        producer.close();
        raw.close();
    }
}
