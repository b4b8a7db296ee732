package dev.sluice.gateway.outcome;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.common.ConsumerThread;
import dev.sluice.common.ReplyHeaders;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Reads the outcome topics ({@code llm.results}, {@code llm.requests.rejected}, {@code llm.dlq}) as one consumer
 * group shared by all gateway instances, so each outcome is read once in total, not once per instance, and copies
 * every outcome that carries a {@link ReplyHeaders#REPLY_TO} header to that partition of {@code llm.gateway.replies}.
 * Outcomes without the header (requests not sent through a gateway) are skipped.
 *
 * <p>At least once: offsets are committed only after the copies are acknowledged, so a router that dies re-copies
 * what it had not committed (a reply read twice completes nothing twice: waits and batch lines are keyed by request id).
 *
 * <p>An outcome for a call waiting on this very instance, named to a reply partition no other instance can still be
 * reading for a call ({@link ReplyReader#settled}), is answered here instead ({@link LocalAnswer}): the copy would
 * only come back to this instance's own reader. Everything else (batch lines, calls of other instances, calls that
 * stopped waiting) is copied as before.
 */
public final class ReplyRouter extends ConsumerThread {
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<String> outcomeTopics;
    private final String repliesTopic;
    private final String groupId;
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong answeredHere = new AtomicLong();
    private final LocalAnswer local;
    /** How often the router commits its position while outcomes flow, in milliseconds. */
    static final long COMMIT_INTERVAL_MS = 100;
    private final CommitCadence cadence = new CommitCadence(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(COMMIT_INTERVAL_MS),
            System.nanoTime());
    private volatile Set<TopicPartition> assignment = Set.of();
    private int partitions;

    /**
     * Answers an outcome on this instance instead of copying it, when it may (see the class comment).
     */
    @FunctionalInterface
    public interface LocalAnswer {
        /**
         * @param replyPartition the reply partition the outcome names
         * @param outcome the raw outcome record
         * @return the action that hands the outcome to the call waiting here, or null if it is to be copied; the router
         *         counts it before running it, so the count never trails an answer a client has already received
         */
        Runnable claim(int replyPartition, ConsumerRecord<byte[], byte[]> outcome);

        /** Never answers here: every outcome is copied. */
        LocalAnswer NONE = (p, r) -> null;
    }

    public ReplyRouter(Map<String, Object> kafka, List<String> outcomeTopics, String repliesTopic, String groupId, String clientId,
                       LocalAnswer local) {
        super(clientId, consumerProperties(kafka, groupId, clientId));
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.outcomeTopics = outcomeTopics;
        this.repliesTopic = repliesTopic;
        this.groupId = groupId;
        this.local = local;
    }

    private static Map<String, Object> consumerProperties(Map<String, Object> kafka, String groupId, String clientId) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new group starts at the end: outcomes from before any gateway ran have no one waiting for them.
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return c;
    }

    public ReplyRouter start() {
        partitions = producer.partitionsFor(repliesTopic).size();
        startThread();
        return this;
    }

    @Override
    protected void beforeLoop() {
        consumer.subscribe(outcomeTopics, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                producer.flush();
                consumer.commitSync();
                assignment = Set.copyOf(consumer.assignment());
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                assignment = Set.copyOf(consumer.assignment());
            }
        });
    }

    @Override
    protected void pollOnce() {
        int sent = 0;
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> r : records) {
            read.incrementAndGet();
            Header replyTo = r.headers().lastHeader(ReplyHeaders.REPLY_TO);
            int partition = replyTo == null || replyTo.value() == null ? -1 : Replies.parse(replyTo.value(), partitions);
            if (partition < 0) {
                continue;
            }
            Runnable answer = local.claim(partition, r);
            if (answer != null) {
                answeredHere.incrementAndGet();
                answer.run();
                continue;
            }
            RecordHeaders headers = new RecordHeaders(r.headers().toArray());
            headers.add(Replies.SOURCE, r.topic().getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(repliesTopic, partition, r.timestamp(), r.key(), r.value(), headers));
            forwarded.incrementAndGet(); // counted when sent: a reader may answer the call before the flush returns
            sent++;
        }
        if (sent > 0) {
            producer.flush();
        }
        // After the flush: only what has been copied is committed; at most every COMMIT_INTERVAL_MS (CommitCadence). A
        // router that dies re-copies at most that interval's outcomes, which completes nothing twice.
        if (cadence.due(!records.isEmpty(), System.nanoTime())) {
            consumer.commitAsync();
        }
    }

    @Override
    protected void afterLoop() {
        consumer.commitSync(Duration.ofSeconds(5));
    }

    @Override
    protected void released() {
        producer.close(Duration.ofSeconds(5));
    }

    /** Outcome partitions this instance routes right now (a share of all of them). */
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    /** Outcome records this instance has read (its share), and how many of them it copied to a reply partition. */
    public long recordsRead() {
        return read.get();
    }

    public long forwarded() {
        return forwarded.get();
    }

    /** Whether this router answers its own instance's calls at home at all ({@code gateway.answer.own.outcomes}). */
    public boolean answerOwnOutcomes() {
        return local != LocalAnswer.NONE;
    }

    /** Outcomes this instance answered itself, without a copy (its own calls' outcomes on settled partitions). */
    public long answeredHere() {
        return answeredHere.get();
    }

    /** The consumer group the routers of all instances share. */
    public String groupId() {
        return groupId;
    }
}
