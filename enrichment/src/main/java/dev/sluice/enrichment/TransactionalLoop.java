package dev.sluice.enrichment;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.sluice.enrichment.embed.EmbeddingException;
import dev.sluice.schemas.registry.SchemaRegistryException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consume-transform-produce with Kafka transactions: each poll's enriched records, dead letters and consumed
 * offsets commit atomically, so every admitted request yields exactly one enriched record (or one dead letter) for
 * read_committed readers, across crashes and rebalances. A failed poll (registry or model outage, transaction
 * error) is aborted, the consumer rewound to the poll's first offsets, and retried after a back-off: nothing is lost
 * and nothing is dead-lettered for an outage. Fencing (another instance took this transactional id) stops the loop.
 */
final class TransactionalLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TransactionalLoop.class);

    private final Consumer<byte[], byte[]> consumer;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final BatchProcessor processor;
    private final String inputTopic;
    private final Duration backoff;
    private volatile boolean running = true;
    private volatile String lastFailure = "";
    private volatile boolean fatal;
    private Producer<byte[], byte[]> producer;

    TransactionalLoop(Consumer<byte[], byte[]> consumer, Supplier<Producer<byte[], byte[]>> producers, BatchProcessor processor,
                      String inputTopic, Duration backoff) {
        this.consumer = consumer;
        this.producers = producers;
        this.processor = processor;
        this.inputTopic = inputTopic;
        this.backoff = backoff;
    }

    @Override
    public void run() {
        try {
            producer = newProducer();
            consumer.subscribe(List.of(inputTopic));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    processWithRetry(records);
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (ProducerFencedException | InvalidProducerEpochException | AuthorizationException e) {
            fatal = true;
            lastFailure = e.getClass().getSimpleName();
            log.error("enrichment stops: {} (another instance uses this transactional id, or access was denied)", lastFailure);
        } finally {
            closeQuietly();
        }
    }

    private void processWithRetry(ConsumerRecords<byte[], byte[]> records) {
        try {
            commit(records, processor.process(listOf(records)));
            lastFailure = "";
        } catch (SchemaRegistryException | EmbeddingException e) {
            retryLater(records, e);
        } catch (ProducerFencedException | InvalidProducerEpochException | AuthorizationException | WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            retryLater(records, e);
            replaceProducer(); // a producer in an unknown transaction state is not reused
        }
    }

    private void commit(ConsumerRecords<byte[], byte[]> records, BatchOutcome outcome) {
        producer.beginTransaction();
        try {
            for (ProducerRecord<byte[], byte[]> r : outcome.enriched()) {
                producer.send(r);
            }
            for (ProducerRecord<byte[], byte[]> r : outcome.deadLetters()) {
                producer.send(r);
            }
            producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw e;
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                log.warn("abort after a failed commit failed too: {}", abortFailed.getClass().getSimpleName());
            }
            throw e;
        }
    }

    private void retryLater(ConsumerRecords<byte[], byte[]> records, RuntimeException cause) {
        lastFailure = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        log.warn("enrichment of {} records will be retried in {} ms: {}", records.count(), backoff.toMillis(), lastFailure);
        for (TopicPartition tp : records.partitions()) {
            if (consumer.assignment().contains(tp)) { // a revoked partition resumes from its committed offset elsewhere
                consumer.seek(tp, records.records(tp).get(0).offset());
            }
        }
        try {
            Thread.sleep(backoff.toMillis()); // back-off between retries of an outage, not waiting for a result
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private static List<ConsumerRecord<byte[], byte[]>> listOf(ConsumerRecords<byte[], byte[]> records) {
        List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>(records.count());
        records.forEach(out::add);
        return out;
    }

    private Producer<byte[], byte[]> newProducer() {
        Producer<byte[], byte[]> p = producers.get();
        p.initTransactions();
        return p;
    }

    private void replaceProducer() {
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (KafkaException e) {
            log.debug("closing a failed producer: {}", e.getClass().getSimpleName());
        }
        producer = newProducer();
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }

    boolean fatal() {
        return fatal;
    }

    /** The last failure (empty once a poll succeeds), for health details. Never holds prompt text. */
    String lastFailure() {
        return lastFailure;
    }

    private void closeQuietly() {
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("closing consumer: {}", e.getClass().getSimpleName());
        }
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("closing producer: {}", e.getClass().getSimpleName());
            }
        }
    }
}
