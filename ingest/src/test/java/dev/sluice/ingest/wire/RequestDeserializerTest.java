package dev.sluice.ingest.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.serde.WireFormatException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The direct decoder reads what Avro reads, and refuses what Avro refuses. */
class RequestDeserializerTest {
    private final TopicCatalog topics = new TopicCatalog("direct.", 6, new SchemaRegistryClient(FakeSchemaRegistry.get().url()));
    private final String topic = topics.requests().name();
    private final RequestDeserializer deserializer = new RequestDeserializer(topics.requests());

    @BeforeEach
    void learnTheSchemaId() {
        deserializer.deserialize(topic, bytes(AdmissionDriver.request("ann").build()));
    }

    @Test
    void shouldDecodeWhatAvroDecodesWhenTheRequestWasWrittenWithThisBuildsSchema() {
        List<LlmRequest> requests = List.of(
                AdmissionDriver.request("ann").build(),
                AdmissionDriver.request("bob").setTemperature(1.25).setMetadata(Map.of("tenant", "acme", "k", "ä→😀")).build(),
                AdmissionDriver.request("cy").setMessages(List.of(new ChatMessage(Role.SYSTEM, "Be brief."),
                        new ChatMessage(Role.ASSISTANT, "Grüße 😀 ".repeat(300)), new ChatMessage(Role.USER, ""))).build(),
                AdmissionDriver.request("dee").setMessages(List.of()).build());
        for (LlmRequest request : requests) {
            byte[] wire = bytes(request);
            ReceivedRequest received = deserializer.deserialize(topic, wire);
            assertThat(received.request()).isEqualTo(topics.requests().valueSerde().deserializer().deserialize(topic, wire));
            assertThat(received.wire()).isSameAs(wire);
        }
    }

    @Test
    void shouldFailLikeAvroWhenTheBytesAreTruncatedOrCorrupt() {
        byte[] wire = bytes(AdmissionDriver.request("ann").build());
        assertThatThrownBy(() -> deserializer.deserialize(topic, Arrays.copyOf(wire, wire.length - 3)))
                .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.TRUNCATED));
        byte[] badRole = bytes(AdmissionDriver.request("ann").setMessages(List.of(new ChatMessage(Role.USER, "")))
                .setRequestId("r").setUserId("u").setModel("m").build());
        badRole[5 + 2 + 2 + 2 + 1] = 42; // after three 1-char strings and the array count: the role's enum index
        assertThatThrownBy(() -> deserializer.deserialize(topic, badRole)).isInstanceOf(WireFormatException.class);
    }

    @Test
    void shouldNotReuseTheBytesOfAnotherSchemaVersionThatDecodesAlike() throws Exception {
        // the same fields, requestId and userId swapped: a compatible version whose bytes are not this build's encoding
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : LlmRequest.getClassSchema().getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        Collections.swap(fields, 0, 1);
        Schema reordered = Schema.createRecord("LlmRequest", null, "dev.sluice.schema", false, fields);
        int id = new SchemaRegistryClient(FakeSchemaRegistry.get().url()).register(topics.requests().valueSubject(), reordered);
        LlmRequest request = AdmissionDriver.request("ann").build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        byte[] own = bytes(request);
        GenericRecord asReordered = new GenericDatumReader<GenericRecord>(LlmRequest.getClassSchema(), reordered).read(null,
                DecoderFactory.get().binaryDecoder(own, 5, own.length - 5, null));
        new GenericDatumWriter<GenericRecord>(reordered).write(asReordered, encoder);
        encoder.flush();

        ReceivedRequest received = deserializer.deserialize(topic, out.toByteArray());
        assertThat(received.request()).isEqualTo(request);
        assertThat(received.wire()).as("bytes of another schema version are never copied into the admitted request").isNull();
        assertThat(deserializer.deserialize(topic, own).wire()).as("this build's own bytes still are").isSameAs(own);
    }

    private byte[] bytes(LlmRequest request) {
        return topics.requests().valueSerde().serializer().serialize(topic, request);
    }
}
