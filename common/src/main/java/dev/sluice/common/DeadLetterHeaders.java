package dev.sluice.common;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import dev.sluice.schema.DeadLetter;
import dev.sluice.contracts.Pipeline;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter contract of {@code llm.dlq}: a dead letter is the original key and value bytes plus these
 * headers. Stages write the Sluice headers <em>and</em> the Kafka Streams KIP-1034 headers
 * ({@code __streams.errors.*}), so one reader understands letters from our consumers and from the Streams
 * exception handlers alike. The error class is one of {@link DeadLetterError}.
 */
public final class DeadLetterHeaders {
    public static final String STAGE = "sluice.dlq.stage";
    public static final String ERROR_CLASS = "sluice.dlq.error.class";
    public static final String MESSAGE = "sluice.dlq.message";
    public static final String ATTEMPTS = "sluice.dlq.attempts";
    public static final String REQUEST_ID = "sluice.dlq.request.id";
    public static final String FAILED_AT = "sluice.dlq.failed.at";
    /** How many times the record has been replayed (set by replay, carried by the stages). */
    public static final String REPLAY_COUNT = "sluice.replay.count";

    /** KIP-1034 headers written by Kafka Streams' dead-letter support. */
    public static final String STREAMS_EXCEPTION = "__streams.errors.exception";
    public static final String STREAMS_MESSAGE = "__streams.errors.message";
    public static final String STREAMS_TOPIC = "__streams.errors.topic";
    public static final String STREAMS_PARTITION = "__streams.errors.partition";
    public static final String STREAMS_OFFSET = "__streams.errors.offset";

    private DeadLetterHeaders() {}

    /**
     * Builds a dead letter for {@code failed}. {@code sanitisedMessage} must already be free of secrets and
     * prompt text (see {@link Sanitizer}).
     */
    public static ProducerRecord<byte[], byte[]> deadLetter(String dlqTopic, ConsumerRecord<byte[], byte[]> failed, String stage,
                                                             DeadLetterError errorClass, String sanitisedMessage, int attempts,
                                                             String requestId, Instant failedAt) {
        return deadLetter(dlqTopic, failed, stage, errorClass.name(), sanitisedMessage, attempts, requestId, failedAt);
    }

    /** As above, for a class held as its name ({@link DeadLetterError#name()}). */
    public static ProducerRecord<byte[], byte[]> deadLetter(String dlqTopic, ConsumerRecord<byte[], byte[]> failed, String stage,
                                                             String errorClass, String sanitisedMessage, int attempts,
                                                             String requestId, Instant failedAt) {
        Headers headers = new RecordHeaders();
        for (Header h : failed.headers()) {
            if (!h.key().startsWith("sluice.dlq.") && !h.key().startsWith("__streams.errors.")) {
                headers.add(h); // keep replay count and any caller headers
            }
        }
        put(headers, STAGE, stage);
        put(headers, ERROR_CLASS, errorClass);
        put(headers, MESSAGE, sanitisedMessage);
        put(headers, ATTEMPTS, Integer.toString(attempts));
        put(headers, FAILED_AT, Long.toString(failedAt.toEpochMilli()));
        if (requestId != null) {
            put(headers, REQUEST_ID, requestId);
        }
        put(headers, STREAMS_EXCEPTION, errorClass);
        put(headers, STREAMS_MESSAGE, sanitisedMessage);
        put(headers, STREAMS_TOPIC, failed.topic());
        put(headers, STREAMS_PARTITION, Integer.toString(failed.partition()));
        put(headers, STREAMS_OFFSET, Long.toString(failed.offset()));
        return new ProducerRecord<>(dlqTopic, null, failedAt.toEpochMilli(), failed.key(), failed.value(), headers);
    }

    /** Decodes a dead letter's headers into the documented view. Works for Streams-written letters too. */
    public static DeadLetter describe(ConsumerRecord<byte[], byte[]> letter) {
        Headers h = letter.headers();
        String topic = get(h, STREAMS_TOPIC).orElse("");
        String stage = get(h, STAGE).orElseGet(() -> stageOf(topic));
        // current name for what older versions (or a Streams handler's exception class) wrote; see DeadLetterError
        String errorClass = DeadLetterError.canonical(get(h, ERROR_CLASS)
                .orElseGet(() -> get(h, STREAMS_EXCEPTION).map(DeadLetterHeaders::simpleName).orElse(DeadLetterError.UNKNOWN.name())));
        String key = letter.key() == null ? null : new String(letter.key(), StandardCharsets.UTF_8);
        return DeadLetter.newBuilder()
                .setStage(stage)
                .setErrorClass(errorClass)
                .setMessage(get(h, MESSAGE).or(() -> get(h, STREAMS_MESSAGE)).orElse(""))
                .setAttempts(get(h, ATTEMPTS).map(Integer::parseInt).orElse(1))
                .setOriginalTopic(topic)
                .setOriginalPartition(get(h, STREAMS_PARTITION).map(Integer::parseInt).orElse(-1))
                .setOriginalOffset(get(h, STREAMS_OFFSET).map(Long::parseLong).orElse(-1L))
                .setRequestId(get(h, REQUEST_ID).orElse(null))
                .setUserId(key)
                .setReplayCount(get(h, REPLAY_COUNT).map(Integer::parseInt).orElse(0))
                .setFailedAt(Instant.ofEpochMilli(get(h, FAILED_AT).map(Long::parseLong).orElse(letter.timestamp())))
                .setOriginalValue(letter.value() == null ? null : java.nio.ByteBuffer.wrap(letter.value()))
                .build();
    }

    /** The stage that consumes a topic, prefixed or not (see {@link Pipeline#stageOf}): where replay sends a letter back to. */
    public static String stageOf(String topic) {
        return Pipeline.stageOf(topic);
    }

    public static Optional<String> get(Headers headers, String key) {
        Header last = headers.lastHeader(key);
        return last == null || last.value() == null ? Optional.empty() : Optional.of(new String(last.value(), StandardCharsets.UTF_8));
    }

    private static void put(Headers headers, String key, String value) {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String simpleName(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? className : className.substring(dot + 1);
    }
}
