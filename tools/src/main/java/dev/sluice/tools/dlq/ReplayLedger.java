package dev.sluice.tools.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import dev.sluice.contracts.Pipeline;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The replayer's memory: a compacted topic ({@code llm.dlq.replayed}) keyed by the coordinates of each dead letter
 * replayed, written in the same Kafka transaction as the replayed record, so a letter is either replayed and
 * recorded or neither. A second replay of the same letters reads it and skips them. Retention matches the DLQ's.
 */
public final class ReplayLedger {
    /** The ledger topic, before the prefix. */
    public static final String TOPIC = "llm.dlq.replayed";
    private final String topic;
    private final DlqReader reader;

    public ReplayLedger(String prefix, DlqReader reader) {
        this.topic = prefix + TOPIC;
        this.reader = reader;
    }

    public String topic() {
        return topic;
    }

    /** {@code <dlq topic>/<partition>@<offset>}: unique per dead letter. */
    public static String keyOf(Letter letter) {
        return letter.record().topic() + "/" + letter.coordinates();
    }

    /** Creates the ledger topic if it is missing: compacted and deleted after the DLQ retention. */
    public void ensureTopic(Admin admin, int partitions, short replicationFactor) {
        Map<String, String> configs = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(Pipeline.DLQ_RETENTION_MS));
        try {
            admin.createTopics(Set.of(new NewTopic(topic, partitions, replicationFactor).configs(configs))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create the replay ledger " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating " + topic, e);
        }
    }

    /** Keys of every letter replayed so far (committed transactions only); none if the ledger does not exist yet. */
    public Set<String> load() {
        Set<String> keys = new HashSet<>();
        reader.scan(topic, true, record -> {
            if (record.key() != null) {
                String key = new String(record.key(), StandardCharsets.UTF_8);
                if (record.value() == null) {
                    keys.remove(key);
                } else {
                    keys.add(key);
                }
            }
        });
        return keys;
    }

    /**
     * Keys of the letters {@code sluice dlq discard} gave up (their reservation may be released): replay never sends
     * these, not even with {@code --again}, since generation would then call a request whose money is no longer held.
     */
    public Set<String> loadDiscarded() {
        Set<String> keys = new HashSet<>();
        reader.scan(topic, true, record -> {
            if (record.key() != null) {
                String key = new String(record.key(), StandardCharsets.UTF_8);
                if (record.value() != null && new String(record.value(), StandardCharsets.UTF_8).contains("\"discardedAt\"")) {
                    keys.add(key);
                } else {
                    keys.remove(key);
                }
            }
        });
        return keys;
    }

    public ProducerRecord<byte[], byte[]> entry(Letter letter, String target, Instant at) {
        String value = "{\"replayedAt\":\"" + at + "\",\"target\":\"" + target + "\",\"replayCount\":" + (letter.view().getReplayCount() + 1) + "}";
        return new ProducerRecord<>(topic, keyOf(letter).getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }
}
