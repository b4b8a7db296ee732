package dev.sluice.analytics.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.common.ConsumerThread;
import dev.sluice.common.loop.LoopClients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows every topic {@link Tables} reads, from the beginning, with one {@code read_committed} consumer that joins
 * no group and commits nothing (so the dashboard never shows an aborted transaction's records and leaves no group
 * behind). Partitions that appear later (topics created after start) are picked up every few seconds. Public so the
 * stage's integration test reads the tables the way the dashboard does.
 */
public final class TableTail extends ConsumerThread {
    private static final Duration REASSIGN_EVERY = Duration.ofSeconds(5);

    private final Tables tables;
    private long nextAssign;

    public TableTail(Map<String, Object> kafkaClientProps, Tables tables) {
        super("sluice-dashboard-tail", LoopClients.committedReader(kafkaClientProps,
                Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-dashboard-" + ProcessHandle.current().pid())));
        this.tables = tables;
    }

    public void start() {
        startThread();
    }

    @Override
    protected void pollOnce() throws InterruptedException {
        if (System.nanoTime() >= nextAssign) {
            assignNew();
            nextAssign = System.nanoTime() + REASSIGN_EVERY.toNanos();
        }
        if (consumer.assignment().isEmpty()) {
            Thread.sleep(200);
            return;
        }
        consumer.poll(Duration.ofMillis(250)).forEach(r -> deliver(r, tables::accept));
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
}
