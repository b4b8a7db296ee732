package dev.sluice.analytics.dashboard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * What the Kafka Admin API says about the pipeline: the lag of every consumer group of this deployment (groups whose
 * id starts with the topic prefix, or every group when there is no prefix) and the rate at which each stage's output
 * topics grow. Rates come from end offsets sampled at each {@link #sample}; on transactional topics an offset also
 * counts commit markers, so a rate is a close upper bound of records per second.
 */
final class PipelineProbe {
    /** A consumer group's total lag over its committed partitions. */
    record GroupLag(String group, long lag, int partitions) {}

    /** A topic's growth since the previous sample, with the stage that writes it. */
    record Throughput(String stage, String topic, double perSecond, long endOffset) {}

    record Sample(List<GroupLag> groups, List<Throughput> throughput) {}

    private final Admin admin;
    private final String prefix;
    private final Map<String, String> writers = new LinkedHashMap<>();
    private final Map<String, Long> lastEnd = new HashMap<>();
    private long lastNanos;

    PipelineProbe(Admin admin, TopicCatalog catalog) {
        this.admin = admin;
        this.prefix = catalog.prefix();
        writers.put(catalog.requests().name(), "producers");
        writers.put(catalog.admitted().name(), "ingest");
        writers.put(catalog.rejected().name(), "ingest");
        writers.put(catalog.enriched().name(), "enrichment");
        writers.put(catalog.results().name(), "generation");
        writers.put(catalog.costs().name(), "generation");
        writers.put(catalog.dlq().name(), "all stages");
    }

    synchronized Sample sample() throws Exception {
        List<GroupLag> groups = new ArrayList<>();
        for (GroupListing g : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get(5, TimeUnit.SECONDS)) {
            if (prefix.isEmpty() || g.groupId().startsWith(prefix)) {
                groups.add(lag(g.groupId()));
            }
        }
        groups.sort(java.util.Comparator.comparing(GroupLag::group));
        return new Sample(groups, throughput());
    }

    private GroupLag lag(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(5, TimeUnit.SECONDS);
        long lag = 0;
        for (var e : committed.entrySet()) {
            if (e.getValue() != null && ends.containsKey(e.getKey())) {
                lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
            }
        }
        return new GroupLag(group, lag, committed.size());
    }

    private List<Throughput> throughput() throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        var described = admin.describeTopics(writers.keySet()).topicNameValues();
        for (var e : described.entrySet()) {
            try {
                e.getValue().get(5, TimeUnit.SECONDS).partitions()
                        .forEach(p -> latest.put(new TopicPartition(e.getKey(), p.partition()), OffsetSpec.latest()));
            } catch (java.util.concurrent.ExecutionException missing) {
                // not created yet
            }
        }
        Map<String, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).forEach((tp, info) -> end.merge(tp.topic(), info.offset(), Long::sum));
        long now = System.nanoTime();
        double seconds = lastNanos == 0 ? 0 : (now - lastNanos) / 1e9;
        List<Throughput> out = new ArrayList<>();
        writers.forEach((topic, stage) -> {
            long offset = end.getOrDefault(topic, 0L);
            Long before = lastEnd.get(topic);
            double rate = before == null || seconds <= 0 ? 0 : Math.max(0, offset - before) / seconds;
            out.add(new Throughput(stage, topic, rate, offset));
        });
        lastEnd.clear();
        lastEnd.putAll(end);
        lastNanos = now;
        return out;
    }
}
