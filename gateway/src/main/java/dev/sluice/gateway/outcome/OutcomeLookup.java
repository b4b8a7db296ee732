package dev.sluice.gateway.outcome;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sluice.schema.RejectReason;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Finds one request's outcome in the outcome topics when it did not come to this instance's reply partition: a
 * {@code GET /v1/sluice/requests/{id}} sent to another instance than the call, or a retry answered {@code DUPLICATE}
 * whose first attempt was sent through another instance. Outcomes are keyed by userId, so only the user's partition
 * of each topic is read, from {@code lookback} ago: the cost is one partition's traffic of that window, paid only
 * on these rare paths. At most {@link #THREADS} run at once; more wait in a queue of {@link #QUEUE}, beyond which a
 * lookup fails at once.
 */
public final class OutcomeLookup implements AutoCloseable {
    static final int THREADS = 4;
    static final int QUEUE = 256;
    /** The longest a {@link #find} reads before it gives up (and says so: {@link Incomplete}, never "not found"). */
    static final Duration SCAN_BUDGET = Duration.ofSeconds(30);

    /**
     * A {@link #find} that ran out of {@link #SCAN_BUDGET} before it read the user's partitions to their end: the outcome
     * may be there, unread. Not "not found".
     */
    public static final class Incomplete extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Incomplete(Duration budget) {
            super("the look-up did not finish reading the user's outcomes within " + budget.toSeconds() + " s", null, false, false);
        }
    }

    private final Map<String, Object> kafka;
    private final OutcomeDecoder decoder;
    private final Duration lookback;
    private final Clock clock;
    private final Duration scanBudget;
    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "sluice-gateway-lookup");
                t.setDaemon(true);
                return t;
            });

    public OutcomeLookup(Map<String, Object> kafka, OutcomeDecoder decoder, Duration lookback, Clock clock) {
        this(kafka, decoder, lookback, clock, SCAN_BUDGET);
    }

    OutcomeLookup(Map<String, Object> kafka, OutcomeDecoder decoder, Duration lookback, Clock clock, Duration scanBudget) {
        this.scanBudget = scanBudget;
        this.kafka = kafka;
        this.decoder = decoder;
        this.lookback = lookback;
        this.clock = clock;
        executor.allowCoreThreadTimeOut(true);
    }

    /**
     * Everything known now about the request: its result or dead letter, else its latest rejection, else empty (read
     * to the end: there is none). Fails with {@link Incomplete} when it could not read that far in time.
     */
    public CompletableFuture<Optional<Outcome>> find(String userId, String requestId) {
        return CompletableFuture.supplyAsync(() -> search(userId, requestId, decoder.topics(), 0), executor);
    }

    /**
     * Waits up to {@code followFor} for the request's result or dead letter (what a {@code DUPLICATE} retry should be
     * answered with), reading what is there and then what arrives.
     */
    public CompletableFuture<Optional<Outcome>> follow(String userId, String requestId, Duration followFor) {
        List<String> topics = List.of(decoder.topics().get(0), decoder.topics().get(2));
        return CompletableFuture.supplyAsync(() -> search(userId, requestId, topics, followFor.toMillis()), executor);
    }

    private Optional<Outcome> search(String userId, String requestId, List<String> topics, long followMs) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-gateway-lookup");
        byte[] key = userId.getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + Math.max(TimeUnit.MILLISECONDS.toNanos(followMs), scanBudget.toNanos());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> info = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                // The partition the default partitioner picks for the userId key, as every stage writes them.
                partitions.add(new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % info.size()));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, Math.max(0, clock.millis() - lookback.toMillis())));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            partitions.forEach(tp -> consumer.seek(tp, found.get(tp) == null ? end.get(tp) : found.get(tp).offset()));
            Outcome best = null;
            while (true) {
                if (followMs == 0 && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                    return Optional.ofNullable(best); // read to the end
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.key() == null || !userId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    Optional<Outcome> o = decoder.decode(r).filter(x -> x.requestId().equals(requestId) && x.userId().equals(userId));
                    if (o.isPresent() && !(o.get() instanceof Outcome.Rejected rej && rej.rejection().getReason() == RejectReason.DUPLICATE)) {
                        if (!(o.get() instanceof Outcome.Rejected)) {
                            return o;
                        }
                        best = o.get();
                    }
                }
            }
            if (followMs == 0) {
                throw new Incomplete(scanBudget); // not read to the end: what it has not read may hold the outcome
            }
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
