package dev.sluice.reliability;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;

/** What the take-over scenarios read off the broker: who runs which tasks, and what a take-over without a copy reads. */
final class Takeovers {
    private Takeovers() {}

    /** The source topic partitions {@code instance} runs the tasks of (its static member's assignment in {@code group}). */
    static Set<TopicPartition> assignment(Admin admin, String group, StageProcess instance) throws Exception {
        for (MemberDescription m : admin.describeConsumerGroups(List.of(group)).all().get().get(group).members()) {
            if (m.groupInstanceId().orElse("").contains(instance.instance())) {
                return m.assignment().topicPartitions();
            }
        }
        return Set.of();
    }

    /** The committed records of {@code changelog}'s partitions that {@code partitions} accepts. */
    static long committedRecords(Pipeline p, String changelog, IntPredicate partitions) {
        AtomicLong records = new AtomicLong();
        TopicScan.read(p.kafka, changelog, true, r -> {
            if (partitions.test(r.partition())) {
                records.incrementAndGet();
            }
        });
        return records.get();
    }
}
