package dev.sluice.ingest.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.serde.AvroSerializer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/** Reusing the received request bytes in AdmittedRequest gives exactly the bytes the Avro serializer writes. */
class AdmittedSerializerTest {
    private final SchemaRegistryClient registry = new SchemaRegistryClient(FakeSchemaRegistry.get().url());
    private final TopicCatalog topics = new TopicCatalog("splice.", 6, registry);
    private final String in = topics.requests().name();
    private final String out = topics.admitted().name();
    private final RequestDeserializer deserializer = new RequestDeserializer(topics.requests());
    private final AdmittedSerializer serializer = new AdmittedSerializer(topics.admitted().valueSerde().serializer());

    @Test
    void shouldWriteTheAvroSerializersBytesWhenTheRequestBytesAreReused() {
        List<LlmRequest> requests = List.of(
                AdmissionDriver.request("ann").build(),
                AdmissionDriver.request("bob").setTemperature(0.7).setMetadata(Map.of("tenant", "acme", "feature", "ä→😀")).build(),
                AdmissionDriver.request("c.d_e:f@g-h").setMessages(List.of(new ChatMessage(Role.SYSTEM, "Be brief."),
                        new ChatMessage(Role.USER, "Grüße 😀 ".repeat(500)), new ChatMessage(Role.ASSISTANT, ""))).build());
        serializer.serialize(out, admission(received(requests.get(0)))); // learns the schema id and checks one copy
        for (LlmRequest request : requests) {
            ReceivedRequest received = received(request);
            assertThat(received.wire()).as("bytes reusable").isNotNull();
            Admission admission = admission(received);
            byte[] expected = topics.admitted().valueSerde().serializer().serialize(out, admission.toAvro());
            byte[] written = serializer.serialize(out, admission);
            assertThat(topics.admitted().valueSerde().deserializer().deserialize(out, written)).isEqualTo(admission.toAvro());
            if (request.getMetadata().size() < 2) { // map entries have no canonical order
                assertThat(written).isEqualTo(expected);
            }
        }
    }

    @Test
    void shouldReencodeWhenBytesFollowTheDatum() {
        byte[] wire = topics.requests().valueSerde().serializer().serialize(in, AdmissionDriver.request("ann").build());
        byte[] longer = Arrays.copyOf(wire, wire.length + 1);
        ReceivedRequest received = deserializer.deserialize(in, longer);
        assertThat(received.request().getUserId()).isEqualTo("ann"); // Avro itself ignores what follows
        assertThat(received.wire()).isNull();
        Admission admission = admission(received);
        assertThat(serializer.serialize(out, admission))
                .isEqualTo(topics.admitted().valueSerde().serializer().serialize(out, admission.toAvro()));
    }

    @Test
    void shouldReencodeWhenTheRequestWasWrittenWithAnotherSchema() throws IOException {
        Schema newer = new Schema.Parser().parse(LlmRequest.getClassSchema().toString().replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"priority\",\"type\":[\"null\",\"int\"],\"default\":null},"));
        LlmRequest request = AdmissionDriver.request("ann").build();
        GenericRecord record = new GenericData.Record(newer);
        newer.getFields().forEach(f -> record.put(f.name(), f.name().equals("priority") ? 3 : request.get(f.name())));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {0, 0, 0, 0, (byte) registry.register(AvroSerializer.subject(in, false), newer)});
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(newer, SpecificData.get()).write(record, encoder);
        ReceivedRequest received = deserializer.deserialize(in, bytes.toByteArray());
        assertThat(received.request().getUserId()).isEqualTo("ann");
        assertThat(received.wire()).isNull();
    }

    private ReceivedRequest received(LlmRequest request) {
        return deserializer.deserialize(in, topics.requests().valueSerde().serializer().serialize(in, request));
    }

    private static Admission admission(ReceivedRequest received) {
        return new Admission(received, "STARTER", 1234, 56_789, Instant.parse("2026-01-02T03:04:05.678Z").toEpochMilli());
    }
}
