package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class ReplyHeadersTest {
    static ConsumerRecord<byte[], byte[]> withReplyTo(String replyTo) {
        Headers headers = new RecordHeaders().add(ReplyHeaders.REPLY_TO, replyTo.getBytes(StandardCharsets.UTF_8))
                .add("other", new byte[] {1});
        return new ConsumerRecord<>("llm.requests.enriched", 0, 5L, 0L, TimestampType.CREATE_TIME, 1, 1, "u".getBytes(), "v".getBytes(),
                headers, java.util.Optional.empty());
    }

    @Test
    void shouldCopyOnlyTheReplyHeader() {
        Headers copied = ReplyHeaders.of(withReplyTo("3").headers());

        assertThat(copied.toArray()).hasSize(1);
        assertThat(new String(copied.lastHeader(ReplyHeaders.REPLY_TO).value(), StandardCharsets.UTF_8)).isEqualTo("3");
    }

    @Test
    void shouldGiveNoHeadersForARecordWithoutAReplyAddress() {
        assertThat(ReplyHeaders.of(new RecordHeaders().add("other", new byte[] {1})).toArray()).isEmpty();
        assertThat(ReplyHeaders.of(null).toArray()).isEmpty();
    }

    @Test
    void shouldKeepTheReplyHeaderOnADeadLetter() {
        ProducerRecord<byte[], byte[]> letter = DeadLetterHeaders.deadLetter("llm.dlq", withReplyTo("9"), "enrichment", "X", "m", 1, "r-1",
                Instant.EPOCH);

        assertThat(new String(letter.headers().lastHeader(ReplyHeaders.REPLY_TO).value(), StandardCharsets.UTF_8)).isEqualTo("9");
    }
}
