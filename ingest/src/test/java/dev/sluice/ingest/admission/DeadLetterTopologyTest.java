package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadLetterTopologyTest {
    // TopologyTestDriver 4.3 drops dead letters written under exactly_once_v2 (its mock producer never commits
    // them), so this test runs at_least_once; AdmissionIT checks the dead letter on a real broker under EOS.
    private final AdmissionDriver admission = new AdmissionDriver(Map.of(), Map.of("processing.guarantee", "at_least_once"));

    @AfterEach
    void close() {
        admission.close();
    }

    @Test
    void shouldDeadLetterAnUndecodableRequestWithStandardHeadersAndKeepGoing() {
        byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
        admission.rawRequests.pipeInput("quinn".getBytes(StandardCharsets.UTF_8), garbage, T0);
        assertThat(admission.send("quinn", T0.plusSeconds(1))).isInstanceOf(AdmittedRequest.class);

        List<TestRecord<byte[], byte[]>> letters = admission.dlq.readRecordsToList();
        assertThat(letters).hasSize(1);
        TestRecord<byte[], byte[]> letter = letters.get(0);
        assertThat(letter.value()).isEqualTo(garbage);
        assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("quinn");
        assertThat(header(letter, DeadLetterHeaders.STREAMS_EXCEPTION)).isEqualTo("dev.sluice.contracts.serde.WireFormatException");
        assertThat(header(letter, DeadLetterHeaders.STREAMS_TOPIC)).isEqualTo(admission.topics.requests().name());
        assertThat(header(letter, DeadLetterHeaders.STREAMS_OFFSET)).isEqualTo("0");
        assertThat(header(letter, DeadLetterHeaders.STAGE)).isEqualTo("ingest");
        assertThat(header(letter, DeadLetterHeaders.ERROR_CLASS)).as("the same name every stage writes").isEqualTo("UNDECODABLE");
        assertThat(header(letter, DeadLetterHeaders.MESSAGE)).contains("magic byte");

        DeadLetter described = DeadLetterHeaders.describe(new ConsumerRecord<>(admission.topics.dlq().name(), 0, 0L, 0L,
                TimestampType.CREATE_TIME, 0, 0, letter.key(), letter.value(), letter.headers(), java.util.Optional.empty()));
        assertThat(described.getStage()).isEqualTo("ingest");
        assertThat(described.getErrorClass()).isEqualTo("UNDECODABLE");
    }

    private static String header(TestRecord<byte[], byte[]> record, String key) {
        return DeadLetterHeaders.get(record.headers(), key).orElse(null);
    }
}
