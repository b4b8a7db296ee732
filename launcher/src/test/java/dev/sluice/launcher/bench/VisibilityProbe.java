package dev.sluice.launcher.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.launcher.load.LatencyHistogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How long one stage's output takes to become visible: a {@code read_committed} consumer of an output topic whose
 * record timestamps are the broker's append time of the request they answer (admission's outputs carry
 * {@code llm.requests}' append time), so {@code now - timestamp} on arrival is that stage's share of the end-to-end
 * latency: its queueing, processing and commit. Reads from the topic's end, on its own thread, until closed.
 */
final class VisibilityProbe implements AutoCloseable {
    private final LatencyHistogram lagsMs = new LatencyHistogram();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    VisibilityProbe(Map<String, Object> kafka, String topic, String groupId) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        thread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(topic));
                while (running.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        lagsMs.record(System.currentTimeMillis() - r.timestamp());
                    }
                }
            }
        }, "visibility-probe");
        thread.start();
    }

    /** Stops reading; then "p50 / p99 / max ms (n records)" of what was read, or "none". */
    String summary() throws InterruptedException {
        close();
        if (lagsMs.count() == 0) {
            return "none";
        }
        return String.format("p50 %d / p99 %d / max %d ms (%d records)", lagsMs.percentile(50), lagsMs.percentile(99), lagsMs.max(),
                lagsMs.count());
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join();
    }
}
