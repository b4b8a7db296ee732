package dev.sluice.gateway;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.Topic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes requests to {@code llm.requests} keyed by userId (so admission's single writer per user sees them),
 * idempotent with {@code acks=all}: once the returned future completes the request is durable and will reach an
 * outcome whether or not this instance lives to hear it.
 */
public final class RequestPublisher implements AutoCloseable {
    private final KafkaProducer<String, LlmRequest> producer;
    private final Topic<String, LlmRequest> topic;

    public RequestPublisher(Map<String, Object> kafka, Topic<String, LlmRequest> topic, String clientId) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        this.producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer());
        this.topic = topic;
    }

    /** Publishes {@code request} with {@code headers} (the reply address, see {@link dev.sluice.common.ReplyHeaders}). */
    public CompletableFuture<RecordMetadata> publish(LlmRequest request, org.apache.kafka.common.header.Headers headers) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic.name(), null, request.getUserId(), request, headers), (metadata, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                } else {
                    done.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
