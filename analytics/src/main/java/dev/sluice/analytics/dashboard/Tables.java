package dev.sluice.analytics.dashboard;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.analytics.AnalyticsTopics;
import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the dashboard and {@code sluice report --json} read from Kafka: the latest value per key of the five
 * {@code llm.analytics.*} tables and of {@code llm.user.policies}, the OVERSPENT flags on {@code llm.costs} (per
 * UTC day and user) and the letters on {@code llm.dlq} (per stage and error class, from their headers). Records are
 * fed in by {@link #accept}; {@link #snapshot} copies the state under the same lock.
 */
public final class Tables {
    /** Counts of OVERSPENT flags of one user on one day: flags, charged and reserved micro-dollars. */
    public record Overspend(String day, String userId, long flags, long chargedMicros, long reservedMicros) {}

    /** A consistent copy of the tables. */
    public record Snapshot(List<UserDailySpend> userDays, List<ModelHourlySpend> modelHours, List<DailySavings> savings,
                           List<RejectionCount> rejections, List<TopSpenders> top, Map<String, UserPolicy> policies,
                           List<Overspend> overspend, Map<String, Long> deadLetters) {}

    private final AnalyticsTopics topics;
    private final Topic<String, UserPolicy> policiesTopic;
    private final String dlqTopic;
    private final Map<String, Map<String, Object>> latest = new HashMap<>();
    private final Map<String, UserPolicy> policies = new HashMap<>();
    private final Map<String, long[]> overspend = new TreeMap<>();
    private final Map<String, Long> deadLetters = new TreeMap<>();

    public Tables(AnalyticsTopics topics, TopicCatalog catalog) {
        this.topics = topics;
        this.policiesTopic = catalog.userPolicies();
        this.dlqTopic = catalog.dlq().name();
        topics.outputs().forEach(t -> latest.put(t.name(), new HashMap<>()));
    }

    /** Every topic this reads. */
    public List<String> topicNames() {
        List<String> names = new ArrayList<>(latest.keySet());
        names.addAll(List.of(policiesTopic.name(), topics.costs().name(), dlqTopic));
        return names;
    }

    /** Applies one record of any of {@link #topicNames()}; undecodable records are skipped (the stages dead-letter them). */
    public synchronized void accept(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        try {
            if (topic.equals(dlqTopic)) {
                var letter = DeadLetterHeaders.describe(record);
                deadLetters.merge(letter.getStage() + "|" + letter.getErrorClass(), 1L, Long::sum);
            } else if (topic.equals(topics.costs().name())) {
                CostEvent e = topics.costs().valueSerde().deserializer().deserialize(topic, record.value());
                if (e != null && e.getKind() == CostKind.OVERSPENT) {
                    String key = LocalDate.ofInstant(Instant.ofEpochMilli(record.timestamp()), ZoneOffset.UTC) + "|" + e.getUserId();
                    long[] row = overspend.computeIfAbsent(key, k -> new long[3]);
                    row[0]++;
                    row[1] += e.getCostMicros();
                    row[2] += e.getReservedMicros();
                }
            } else if (topic.equals(policiesTopic.name())) {
                String key = policiesTopic.keySerde().deserializer().deserialize(topic, record.key());
                UserPolicy p = record.value() == null ? null : policiesTopic.valueSerde().deserializer().deserialize(topic, record.value());
                if (p == null) {
                    policies.remove(key);
                } else {
                    policies.put(key, p);
                }
            } else {
                table(topic, record);
            }
        } catch (RuntimeException e) {
            // a record no serde can read says nothing the dashboard can show; the stage that owns the topic dead-letters it
        }
    }

    private void table(String topic, ConsumerRecord<byte[], byte[]> record) {
        Map<String, Object> rows = latest.get(topic);
        if (rows == null) {
            return;
        }
        Topic<String, ?> t = topics.outputs().stream().filter(o -> o.name().equals(topic)).findFirst()
                .map(o -> (Topic<String, ?>) o).orElseThrow();
        String key = t.keySerde().deserializer().deserialize(topic, record.key());
        Object value = record.value() == null ? null : t.valueSerde().deserializer().deserialize(topic, record.value());
        if (value == null) {
            rows.remove(key);
        } else {
            rows.put(key, value);
        }
    }

    @SuppressWarnings("unchecked")
    private <V> List<V> rows(Topic<String, V> topic) {
        return List.copyOf((java.util.Collection<V>) latest.get(topic.name()).values());
    }

    public synchronized Snapshot snapshot() {
        List<Overspend> flags = new ArrayList<>();
        overspend.forEach((k, r) -> {
            String[] dayUser = k.split("\\|", 2);
            flags.add(new Overspend(dayUser[0], dayUser[1], r[0], r[1], r[2]));
        });
        return new Snapshot(rows(topics.spendByUserDay()), rows(topics.spendByModelHour()), rows(topics.savingsByDay()),
                rows(topics.rejectionsByReasonHour()), rows(topics.topSpendersByDay()), Map.copyOf(policies), flags,
                Map.copyOf(deadLetters));
    }
}
