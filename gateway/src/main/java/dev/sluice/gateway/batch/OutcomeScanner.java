package dev.sluice.gateway.batch;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.sluice.gateway.TopicTail;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.gateway.outcome.OutcomeDecoder;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows one batch's reply partition: every line of a batch names the same reply partition (the one of its batch
 * id), whichever instance publishes it, so an instance that did not watch a batch from its start (a restart,
 * another instance) rebuilds its progress from that one partition, from the batch's creation on, and keeps it up
 * to date by reading on. Reading costs 1/partitions of the reply traffic per followed batch, whatever the number of
 * gateway instances.
 */
public final class OutcomeScanner {
    private final Map<String, Object> kafka;
    private final OutcomeDecoder decoder;
    private final String repliesTopic;

    public OutcomeScanner(Map<String, Object> kafka, OutcomeDecoder decoder, String repliesTopic) {
        this.kafka = kafka;
        this.decoder = decoder;
        this.repliesTopic = repliesTopic;
    }

    /** A started tail over {@code partition} of the reply topic from {@code fromMs}, feeding outcomes to {@code sink}. */
    public TopicTail follow(String batchId, int partition, long fromMs, Consumer<Outcome> sink) {
        TopicPartition tp = new TopicPartition(repliesTopic, partition);
        return TopicTail.ofPartitions("sluice-gateway-batch-" + batchId, kafka, List.of(tp), c -> TopicTail.offsetsAt(c, fromMs),
                r -> decoder.decode(r).ifPresent(sink)).start();
    }
}
