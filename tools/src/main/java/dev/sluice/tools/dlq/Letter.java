package dev.sluice.tools.dlq;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.schema.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One dead letter as read from {@code llm.dlq}: the raw record and its decoded {@link DeadLetter} view. */
public record Letter(ConsumerRecord<byte[], byte[]> record, DeadLetter view) {
    public static Letter of(ConsumerRecord<byte[], byte[]> record) {
        return new Letter(record, DeadLetterHeaders.describe(record));
    }

    /** Where the letter sits in the DLQ, {@code partition@offset}: how {@code --letter} selects it. */
    public String coordinates() {
        return record.partition() + "@" + record.offset();
    }
}
