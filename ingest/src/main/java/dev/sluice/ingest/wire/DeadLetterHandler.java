package dev.sluice.ingest.wire;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.common.DeadLetterError;
import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.Sanitizer;
import dev.sluice.contracts.registry.SchemaRegistryException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission's deserialization exception handler (KIP-1034). An undecodable record is sent to
 * {@code errors.dead.letter.queue.topic.name} with its original bytes, the standard {@code __streams.errors.*}
 * headers and Sluice's {@code sluice.dlq.*} headers, and processing resumes. A schema registry outage is not a
 * bad record: the handler fails, nothing is dead-lettered, and the stream thread is replaced so the record is
 * read again (see {@link dev.sluice.ingest.IngestStage}). Records of global topics (policies) cannot be dead-lettered by Streams
 * and are skipped with a warning.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {
    /** Streams config key: comma-separated topics read by global stores (no dead letters possible there). */
    public static final String GLOBAL_TOPICS_CONFIG = "sluice.ingest.global.topics";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String dlqTopic;
    private Set<String> globalTopics = Set.of();

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        dlqTopic = topic == null ? null : topic.toString();
        Object global = configs.get(GLOBAL_TOPICS_CONFIG);
        if (global != null && !global.toString().isBlank()) {
            globalTopics = Set.of(global.toString().split(","));
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (isRegistryOutage(exception)) {
            log.error("schema registry unavailable while decoding {}-{}@{}; not dead-lettering, the thread will retry",
                    record.topic(), record.partition(), record.offset());
            return Response.fail();
        }
        String message = Sanitizer.sanitize(exception.getMessage(), List.of(), List.of());
        if (dlqTopic == null || globalTopics.contains(record.topic())) {
            log.warn("skipping undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), message);
            return Response.resume();
        }
        log.warn("dead-lettering undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), message);
        return Response.resume(List.of(deadLetter(dlqTopic, record, exception, message, Instant.ofEpochMilli(context.timestamp()))));
    }

    static ProducerRecord<byte[], byte[]> deadLetter(String dlqTopic, ConsumerRecord<byte[], byte[]> record, Exception exception,
                                                     String message, Instant failedAt) {
        ProducerRecord<byte[], byte[]> letter = DeadLetterHeaders.deadLetter(dlqTopic, record, "ingest",
                DeadLetterError.UNDECODABLE, message, 1, null, failedAt);
        // The KIP-1034 header carries the fully qualified class name, as Streams' own handlers write it.
        letter.headers().remove(DeadLetterHeaders.STREAMS_EXCEPTION);
        letter.headers().add(DeadLetterHeaders.STREAMS_EXCEPTION,
                exception.getClass().getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return letter;
    }

    /** Whether {@code t} or one of its causes is a schema registry failure other than an unknown id. */
    public static boolean isRegistryOutage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof dev.sluice.contracts.serde.WireFormatException) {
                return false;
            }
            if (c instanceof SchemaRegistryException) {
                return true;
            }
        }
        return false;
    }
}
