package dev.sluice.analytics.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.common.loop.LoopClients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every topic {@link Tables} reads, from the beginning, with one {@code read_committed} consumer that joins
 * no group and commits nothing (so the dashboard never shows an aborted transaction's records and leaves no group
 * behind). Partitions that appear later (topics created after start) are picked up every few seconds.
 */
final class TableTail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TableTail.class);
    private static final Duration REASSIGN_EVERY = Duration.ofSeconds(5);

    private final Tables tables;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    TableTail(Map<String, Object> kafkaClientProps, Tables tables) {
        this.tables = tables;
        Map<String, Object> props = LoopClients.committedReader(kafkaClientProps,
                Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-dashboard-" + ProcessHandle.current().pid()));
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "sluice-dashboard-tail");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long nextAssign = 0;
        try {
            while (running) {
                if (System.nanoTime() >= nextAssign) {
                    assignNew();
                    nextAssign = System.nanoTime() + REASSIGN_EVERY.toNanos();
                }
                if (consumer.assignment().isEmpty()) {
                    Thread.sleep(200);
                    continue;
                }
                consumer.poll(Duration.ofMillis(250)).forEach(tables::accept);
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("dashboard: stopped following the analytics topics ({})", e.getClass().getSimpleName());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void assignNew() {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : tables.topicNames()) {
            consumer.partitionsFor(topic, Duration.ofSeconds(5)).forEach(p -> all.add(new TopicPartition(topic, p.partition())));
        }
        List<TopicPartition> fresh = all.stream().filter(tp -> !consumer.assignment().contains(tp)).toList();
        if (!fresh.isEmpty()) {
            consumer.assign(all);
            consumer.seekToBeginning(fresh);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
