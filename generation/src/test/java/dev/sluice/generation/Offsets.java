package dev.sluice.generation;

import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Committed offsets of a consumer group on the enriched topic (tests). */
final class Offsets {
    private Offsets() {}

    /** The sum of the group's committed offsets over the enriched topic's partitions. */
    static long committed(Fixture f, String group) throws ExecutionException, InterruptedException {
        try (Admin admin = f.kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(f.catalog.enriched().name()) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }
}
