package dev.sluice.ingest.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.registry.SchemaRegistryException;
import dev.sluice.contracts.serde.AvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLetterHandlerTest {
    private final DeadLetterHandler handler = new DeadLetterHandler();

    DeadLetterHandlerTest() {
        handler.configure(Map.of("errors.dead.letter.queue.topic.name", "llm.dlq",
                DeadLetterHandler.GLOBAL_TOPICS_CONFIG, "llm.user-policies"));
    }

    /** A real outage: a registry URL nobody listens on, asked for a schema id it has never seen. */
    private static Exception registryOutage() {
        AvroDeserializer<LlmRequest> deserializer = new AvroDeserializer<>(new SchemaRegistryClient("http://127.0.0.1:1"), LlmRequest.class);
        try {
            deserializer.deserialize("llm.requests", new byte[] {0, 0, 0, 0, 42, 2, 3});
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the deserializer to fail");
    }

    @Test
    void shouldFailWithoutDeadLetterWhenTheSchemaRegistryIsUnreachable() {
        Exception outage = registryOutage();
        assertThat(outage).isInstanceOf(SchemaRegistryException.class);
        DeserializationExceptionHandler.Response response = handler.handleError(context(), record("llm.requests"), outage);
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void shouldResumeWithoutDeadLetterForAGlobalTopic() {
        Exception bad = badBytes();
        DeserializationExceptionHandler.Response response = handler.handleError(context(), record("llm.user-policies"), bad);
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void shouldResumeWithOneDeadLetterForBadBytes() {
        DeserializationExceptionHandler.Response response = handler.handleError(context(), record("llm.requests"), badBytes());
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement()
                .satisfies(r -> assertThat(r.topic()).isEqualTo("llm.dlq"));
    }

    private static Exception badBytes() {
        AvroDeserializer<LlmRequest> deserializer = new AvroDeserializer<>(new SchemaRegistryClient("http://127.0.0.1:1"), LlmRequest.class);
        try {
            deserializer.deserialize("llm.requests", new byte[] {9, 9, 9, 9, 9, 9});
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the deserializer to fail");
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic) {
        return new ConsumerRecord<>(topic, 0, 7L, "k".getBytes(), new byte[] {9, 9});
    }

    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            public String topic() { return "llm.requests"; }
            public int partition() { return 0; }
            public long offset() { return 7; }
            public Headers headers() { return new org.apache.kafka.common.header.internals.RecordHeaders(); }
            public String processorNodeId() { return "requests-source"; }
            public TaskId taskId() { return new TaskId(0, 0); }
            public long timestamp() { return 0; }
            public byte[] sourceRawKey() { return "k".getBytes(); }
            public byte[] sourceRawValue() { return new byte[] {9, 9}; }
        };
    }
}
