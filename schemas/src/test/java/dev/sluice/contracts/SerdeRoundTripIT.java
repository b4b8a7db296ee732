package dev.sluice.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.contracts.serde.AvroDeserializer;
import dev.sluice.contracts.serde.WireFormat;
import dev.sluice.contracts.serde.WireFormatException;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class SerdeRoundTripIT {
    private SchemaRegistryClient registry;
    private TopicCatalog catalog;
    private KafkaBroker kafka;

    @BeforeEach
    void setUp(KafkaBroker kafka, SchemaRegistryServer registryServer) {
        this.kafka = kafka;
        this.registry = new SchemaRegistryClient(registryServer.url());
        this.catalog = new TopicCatalog(SluiceInfra.uniquePrefix("serde"), 3, registry);
        try (Admin admin = kafka.admin()) {
            assertThat(TopicSetup.createAll(catalog, admin, (short) 1)).hasSize(catalog.all().size());
            assertThat(TopicSetup.createAll(catalog, admin, (short) 1)).as("second run creates nothing").isEmpty();
        }
    }

    @Test
    void shouldRoundTripEveryContractThroughTheBrokerAndTheRegistry() {
        assertRoundTrip(catalog.requests(), SampleRecords.request());
        assertRoundTrip(catalog.admitted(), SampleRecords.admitted());
        assertRoundTrip(catalog.rejected(), SampleRecords.rejected());
        assertRoundTrip(catalog.enriched(), SampleRecords.enriched());
        assertRoundTrip(catalog.results(), SampleRecords.result());
        assertRoundTrip(catalog.costs(), SampleRecords.cost());
        assertRoundTrip(catalog.userPolicies(), SampleRecords.policy());
        assertRoundTrip(catalog.apiKeys(), SampleRecords.apiKey());
    }

    @Test
    void shouldRegisterEverySchemaUnderItsTopicValueSubject() {
        Map<String, Integer> ids = TopicSetup.registerSchemas(catalog, registry);
        assertThat(ids).hasSize(8).containsKey(catalog.requests().name() + "-value").containsKey(catalog.apiKeys().valueSubject());
        SchemaRegistryClient fresh = new SchemaRegistryClient(registry.baseUrl());
        int requestId = ids.get(catalog.requests().name() + "-value");
        assertThat(fresh.schemaById(requestId).getFullName()).isEqualTo("dev.sluice.schema.LlmRequest");
    }

    @Test
    void shouldDecodeARecordWrittenWithAnOlderCompatibleSchemaIntoTheCurrentClass() throws Exception {
        // Version 1 of the request contract: no temperature and no metadata yet.
        Schema message = LlmRequest.getClassSchema().getField("messages").schema().getElementType();
        Schema v1 = SchemaBuilder.record("LlmRequest").namespace("dev.sluice.schema").fields()
                .requiredString("requestId").requiredString("userId").requiredString("model")
                .name("messages").type().array().items(message).noDefault()
                .requiredInt("maxOutputTokens")
                .name("createdAt").type(LlmRequest.getClassSchema().getField("createdAt").schema()).noDefault()
                .endRecord();
        String subject = catalog.requests().valueSubject();
        int v1Id = registry.register(subject, v1);
        registry.setCompatibility(subject, "BACKWARD");
        assertThat(registry.isCompatible(subject, LlmRequest.getClassSchema())).isTrue();

        GenericRecord old = new GenericData.Record(v1);
        old.put("requestId", "0b7f3c1e-9a6d-4c1a-8d47-3b2f1e0a9c55");
        old.put("userId", "legacy-user");
        old.put("model", "gpt-4o-mini");
        GenericRecord hello = new GenericData.Record(message);
        hello.put("role", new GenericData.EnumSymbol(message.getField("role").schema(), "USER"));
        hello.put("content", "hi");
        old.put("messages", List.of(hello));
        old.put("maxOutputTokens", 64);
        old.put("createdAt", SampleRecords.NOW.toEpochMilli());
        byte[] bytes = GenericFraming.frame(v1Id, v1, old);

        send(catalog.requests().name(), bytes);
        LlmRequest decoded = catalog.requests().valueSerde().deserializer()
                .deserialize(catalog.requests().name(), consumeAll(catalog.requests().name(), 1).get(0));

        assertThat(decoded.getUserId()).isEqualTo("legacy-user");
        assertThat(decoded.getTemperature()).as("default for a field the old writer lacked").isNull();
        assertThat(decoded.getMetadata()).isEmpty();
        assertThat(decoded.getCreatedAt()).isEqualTo(SampleRecords.NOW.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void shouldRaiseTypedErrorsForBadMagicByteUnknownIdAndTruncatedPayload() {
        String topic = catalog.requests().name();
        AvroDeserializer<LlmRequest> deserializer = new AvroDeserializer<>(registry, LlmRequest.class);
        byte[] good = catalog.requests().valueSerde().serializer().serialize(topic, SampleRecords.request());

        byte[] badMagic = good.clone();
        badMagic[0] = 7;
        byte[] unknownId = good.clone();
        ByteBuffer.wrap(unknownId).putInt(1, 987_654_321);
        byte[] truncated = Arrays.copyOf(good, good.length - 10);

        assertThatThrownBy(() -> deserializer.deserialize(topic, badMagic))
                .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.BAD_MAGIC_BYTE));
        assertThatThrownBy(() -> deserializer.deserialize(topic, unknownId))
                .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.UNKNOWN_SCHEMA_ID));
        assertThatThrownBy(() -> deserializer.deserialize(topic, truncated))
                .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.TRUNCATED));
        assertThatThrownBy(() -> deserializer.deserialize(topic, new byte[] {0, 0}))
                .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.TRUNCATED));
        assertThat(WireFormat.schemaIdOf(good)).isPositive();
        assertThat(deserializer.deserialize(topic, good).getUserId()).as("the good record still decodes").isEqualTo("user-42");
    }

    @Test
    void shouldTellRecordsWrittenWithItsOwnSchemaFromRecordsOfAnotherVersionThatDecodeAlike() throws Exception {
        // Another version with the same fields in another order (a compatible change the registry accepts): its
        // records decode into the same values, but their bytes are not the class's own encoding.
        String topic = catalog.requests().name();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : LlmRequest.getClassSchema().getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        java.util.Collections.swap(fields, 0, 1); // requestId and userId, both strings
        Schema reordered = Schema.createRecord(LlmRequest.getClassSchema().getName(), null,
                LlmRequest.getClassSchema().getNamespace(), false, fields);
        String subject = catalog.requests().valueSubject();
        registry.setCompatibility(subject, "BACKWARD");
        LlmRequest request = SampleRecords.request();
        byte[] own = catalog.requests().valueSerde().serializer().serialize(topic, request);
        int reorderedId = registry.register(subject, reordered);
        byte[] other = GenericFraming.frame(reorderedId, reordered, as(reordered, request));

        AvroDeserializer<LlmRequest> deserializer = new AvroDeserializer<>(registry, LlmRequest.class);
        assertThat(deserializer.writtenWithOwnSchema(WireFormat.schemaIdOf(own))).as("an id not read yet").isFalse();
        assertThat(deserializer.deserialize(topic, own)).isEqualTo(request);
        assertThat(deserializer.deserialize(topic, other)).as("the other version decodes alike").isEqualTo(request);
        assertThat(deserializer.writtenWithOwnSchema(WireFormat.schemaIdOf(own))).isTrue();
        assertThat(deserializer.writtenWithOwnSchema(reorderedId)).isFalse();
        assertThat(deserializer.writtenWithOwnSchema(WireFormat.schemaIdOf(own))).as("again, after another id").isTrue();
        assertThat(deserializer.writtenWithOwnSchema(reorderedId)).as("again").isFalse();
        for (int i = 0; i < 3; i++) { // records of the two ids in turn: each read with its own id's reader
            assertThat(deserializer.deserialize(topic, other)).as("the other version, after the own").isEqualTo(request);
            assertThat(deserializer.deserialize(topic, own)).as("the own version, after the other").isEqualTo(request);
        }
        assertThat(Arrays.copyOfRange(other, WireFormat.HEADER_LENGTH, other.length))
                .as("its bytes differ from the class's own encoding").isNotEqualTo(Arrays.copyOfRange(own, WireFormat.HEADER_LENGTH, own.length));
    }

    /** {@code request}'s values in a record of {@code schema} (resolved by field name). */
    private static GenericRecord as(Schema schema, LlmRequest request) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<>(LlmRequest.class).write(request, encoder);
        encoder.flush();
        return new org.apache.avro.generic.GenericDatumReader<GenericRecord>(LlmRequest.getClassSchema(), schema)
                .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    @Test
    void shouldRejectARecordOfAnotherContractOnTheRightTopic() {
        String topic = catalog.requests().name();
        byte[] policyBytes = catalog.userPolicies().valueSerde().serializer().serialize(catalog.userPolicies().name(), SampleRecords.policy());
        AvroDeserializer<LlmRequest> deserializer = new AvroDeserializer<>(registry, LlmRequest.class);
        assertThatThrownBy(() -> deserializer.deserialize(topic, policyBytes))
                .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.INCOMPATIBLE_SCHEMA));
    }

    private <V extends SpecificRecord> void assertRoundTrip(Topic<String, V> topic, V record) {
        byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), record);
        assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        send(topic.name(), bytes);
        byte[] consumed = consumeAll(topic.name(), 1).get(0);
        // A fresh client proves the id resolves through the registry, not this process's cache.
        SchemaRegistryClient freshClient = new SchemaRegistryClient(registry.baseUrl());
        @SuppressWarnings("unchecked")
        Class<V> type = (Class<V>) record.getClass();
        AvroDeserializer<V> deserializer = new AvroDeserializer<>(freshClient, type);
        V decoded = deserializer.deserialize(topic.name(), consumed);
        assertThat(decoded).as(topic.name()).isEqualTo(record);
        // the schema the registry hands back is the class's own: the stages that copy received bytes rely on this
        assertThat(deserializer.writtenWithOwnSchema(WireFormat.schemaIdOf(consumed))).as(topic.name()).isTrue();
    }

    private void send(String topic, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "user-42", value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<byte[]> consumeAll(String topic, int expected) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<byte[]> values = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            assertThat(values).hasSize(expected);
            return values;
        }
    }
}
