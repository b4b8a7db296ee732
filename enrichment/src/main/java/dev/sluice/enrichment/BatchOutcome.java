package dev.sluice.enrichment;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.producer.ProducerRecord;

/** What one poll produces, all of it committed in one transaction with the poll's offsets. */
record BatchOutcome(List<ProducerRecord<byte[], byte[]>> enriched, List<ProducerRecord<byte[], byte[]>> deadLetters) {
    BatchOutcome() {
        this(new ArrayList<>(), new ArrayList<>());
    }
}
