package dev.sluice.generation.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import dev.sluice.common.ReplyHeaders;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class OutputRecordsTest {
    final TopicCatalog catalog = new TopicCatalog("out.", 1, new SchemaRegistryClient("http://127.0.0.1:9"));

    @Test
    void shouldCarryTheRequestsReplyHeaderOntoItsDeadLetter() {
        ConsumerRecord<byte[], byte[]> input = new ConsumerRecord<>(catalog.enriched().name(), 0, 3L, 0L, TimestampType.CREATE_TIME, 1, 1,
                "u".getBytes(), "v".getBytes(), new RecordHeaders().add(ReplyHeaders.REPLY_TO, "2".getBytes(StandardCharsets.UTF_8)),
                java.util.Optional.empty());

        List<ProducerRecord<byte[], byte[]>> out = new OutputRecords(catalog, Clock.systemUTC(), 1 << 20)
                .of(input, new Outcome.DeadLetter("r-1", "INVALID_REQUEST", "bad", 1));

        assertThat(out).singleElement().satisfies(letter -> {
            assertThat(letter.topic()).isEqualTo(catalog.dlq().name());
            assertThat(new String(letter.headers().lastHeader(ReplyHeaders.REPLY_TO).value(), StandardCharsets.UTF_8)).isEqualTo("2");
        });
    }
}
