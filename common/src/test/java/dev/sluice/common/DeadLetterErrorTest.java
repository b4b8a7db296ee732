package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterErrorTest {

    @Test
    void shouldReadTheNamesEveryStageWroteForAnUndecodableRecordAsOne() {
        assertThat(DeadLetterError.parse("DESERIALIZATION")).contains(DeadLetterError.UNDECODABLE); // enrichment
        assertThat(DeadLetterError.parse("WireFormatException")).contains(DeadLetterError.UNDECODABLE); // ingest
        assertThat(DeadLetterError.parse("UNDECODABLE_MAGIC_BYTE")).contains(DeadLetterError.UNDECODABLE); // generation
        assertThat(DeadLetterError.parse("undecodable")).contains(DeadLetterError.UNDECODABLE);
    }

    @Test
    void shouldMapOtherLegacyNamesAndPreferExactNamesOverPrefixes() {
        assertThat(DeadLetterError.parse("UNDECODABLE_NULL")).contains(DeadLetterError.EMPTY_VALUE);
        assertThat(DeadLetterError.parse("RECORD_TOO_LARGE")).contains(DeadLetterError.OUTPUT_TOO_LARGE);
        assertThat(DeadLetterError.parse("TIMEOUT")).contains(DeadLetterError.OUTCOME_UNKNOWN);
        assertThat(DeadLetterError.parse("BREAKER_OPEN_DEADLINE")).contains(DeadLetterError.BREAKER_OPEN);
    }

    @Test
    void shouldKeepAValueNoVersionWroteUnchanged() {
        assertThat(DeadLetterError.parse("SOMETHING_NEW")).isEqualTo(Optional.empty());
        assertThat(DeadLetterError.canonical("SOMETHING_NEW")).isEqualTo("SOMETHING_NEW");
    }

    @Test
    void shouldDescribeALegacyLetterUnderTheCurrentName() {
        ConsumerRecord<byte[], byte[]> old = new ConsumerRecord<>("llm.dlq", 0, 3L, "u".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        old.headers().add(DeadLetterHeaders.ERROR_CLASS, "DESERIALIZATION".getBytes(StandardCharsets.UTF_8));
        assertThat(DeadLetterHeaders.describe(old).getErrorClass()).isEqualTo("UNDECODABLE");

        ConsumerRecord<byte[], byte[]> streams = new ConsumerRecord<>("llm.dlq", 0, 4L, null, new byte[] {1});
        streams.headers().add(DeadLetterHeaders.STREAMS_EXCEPTION,
                "dev.sluice.contracts.serde.WireFormatException".getBytes(StandardCharsets.UTF_8));
        assertThat(DeadLetterHeaders.describe(streams).getErrorClass()).isEqualTo("UNDECODABLE");
    }

    @Test
    void shouldListEveryErrorClassAndItsLegacyNamesInTheTopicsReference() throws IOException {
        Path docs = Path.of("..", "docs", "topics.md");
        String text = Files.readString(docs);
        for (DeadLetterError e : DeadLetterError.values()) {
            assertThat(text).as("docs/topics.md names %s", e).contains("`" + e.name() + "`");
            for (String legacy : e.legacyNames()) {
                assertThat(text).as("docs/topics.md names legacy %s", legacy).contains("`" + legacy + "`");
            }
        }
    }
}
