package dev.sluice.common.loop;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The one place a transactional stage's Kafka client properties are built. Every builder starts from the
 * deployment's {@code kafka.*} map, sets what exactly-once needs (and may not be overridden), and strips keys the
 * client does not know, so a producer-only key such as {@code max.request.size} does not make the consumer log
 * "supplied but isn't a known config".
 */
public final class LoopClients {
    /** Default {@code linger.ms} of a stage's transactional producer: 5 ms (a transaction batches anyway). */
    public static final int DEFAULT_LINGER_MS = 5;
    /**
     * Default first {@code retry.backoff.ms} of a stage's transactional producer: 10 ms (the client's is 100). A
     * commit's transaction markers are written after the commit returns; the next transaction's first produce requests
     * can meet them and be refused with {@code CONCURRENT_TRANSACTIONS}, and the producer retries them after this
     * backoff while the next commit waits. Retries still back off exponentially up to {@code retry.backoff.max.ms}
     * (1 s), so an unreachable broker is not retried faster.
     */
    public static final int DEFAULT_PRODUCER_RETRY_BACKOFF_MS = 10;
    /**
     * Default {@code transaction.timeout.ms} of a stage's transactional producer: 10 s, what Kafka Streams gives its
     * exactly-once producers (so ingest has it too); the client's own default is 60 s. It bounds how long a transaction
     * left open by an instance that died inside it holds its partitions when the instance that takes over has another
     * transactional id (a rescheduled pod gets a new host name, the default id's suffix): until the broker aborts it,
     * read_committed readers stop at its first record (and the new owner at the group's offsets, once they are in it). A loop's
     * transaction is open only from its first send to its commit (milliseconds); one still open after this long (the
     * instance stalled) is aborted by the broker, and the instance's commit is refused when it wakes: as fencing (the
     * loop stops for its supervisor to restart it) or as an invalid transaction state (the loop aborts, replaces its
     * producer and goes on as a new member of its group); nothing of the aborted transaction is published either way.
     */
    public static final int DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;
    /**
     * Default {@code batch.size} of a stage's transactional producer: 128 KiB (the client's is 16 KiB); admission's
     * Streams producer gets it too (it has had this size since issue 15's ninth pass). A backlog's transaction publishes
     * thousands of records at its commit, and an enriched record carries its vector (~1.7 KB), so 16 KiB batches held ~9
     * records each and went out as many small produce requests. As deployed (2026-12-07, 600,000-record drains of enrichment, two rounds, order alternated):
     * the broker's CPU per record 9.4-10.1 µs against 13.2-15.7, warm +12 / +18 %, whole drains +12 / +24 %; 256 KiB
     * measured alike. Live traffic sends a commit's few records at the commit, below either size: P7 unchanged.
     */
    public static final int DEFAULT_BATCH_BYTES = 128 * 1024;

    private LoopClients() {
    }

    /**
     * The input consumer of a transactional stage: {@code read_committed}, no auto-commit (offsets go through the
     * producer's transaction), {@code auto.offset.reset=earliest} unless configured.
     *
     * @param base      the deployment's Kafka client properties
     * @param groupId   the stage's consumer group
     * @param overrides stage-specific settings (max.poll.records, group.instance.id, assignor), applied last
     */
    public static Map<String, Object> transactionalConsumer(Map<String, Object> base, String groupId, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(base);
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(overrides);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return strip(p, ConsumerConfig.configNames());
    }

    /** A group-less {@code read_committed} reader, read by assignment (a stage's state topic, the DLQ tools, the dashboard). */
    public static Map<String, Object> committedReader(Map<String, Object> base, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(base);
        p.putAll(overrides);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return strip(p, ConsumerConfig.configNames());
    }

    /**
     * The transactional producer: idempotent, {@code acks=all}; {@link #DEFAULT_LINGER_MS},
     * {@link #DEFAULT_PRODUCER_RETRY_BACKOFF_MS} and {@link #DEFAULT_TRANSACTION_TIMEOUT_MS} unless configured.
     */
    public static Map<String, Object> transactionalProducer(Map<String, Object> base, String transactionalId) {
        Map<String, Object> p = new HashMap<>(base);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, DEFAULT_LINGER_MS);
        p.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, DEFAULT_PRODUCER_RETRY_BACKOFF_MS);
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, DEFAULT_TRANSACTION_TIMEOUT_MS);
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, DEFAULT_BATCH_BYTES);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return strip(p, ProducerConfig.configNames());
    }

    private static Map<String, Object> strip(Map<String, Object> props, Set<String> known) {
        props.keySet().removeIf(k -> !known.contains(k));
        return props;
    }
}
