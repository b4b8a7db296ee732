package dev.sluice.gateway.outcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.sluice.common.ConsumerThread;
import dev.sluice.gateway.TopicTail;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's share of {@code llm.gateway.replies}: the gateway instances form one consumer group over it, so
 * each owns some partitions, reads only those, and asks for its calls' outcomes to be sent to the lowest one it owns
 * ({@link #replyPartition()}). When an instance dies its partitions move to the others, which then hold the
 * outcomes of its last requests (for a later {@code GET /v1/sluice/requests/{id}}).
 *
 * <p>A partition taken away by a rebalance (an instance joined) may still be named by calls waiting here, so it
 * is read on for {@code linger} (the longest wait) by a separate group-less reader from where this one stopped.
 */
public final class ReplyReader extends ConsumerThread {
    private static final Logger log = LoggerFactory.getLogger(ReplyReader.class);

    private final Map<String, Object> kafka;
    private final String topic;
    private final String clientId;
    private final Consumer<ConsumerRecord<byte[], byte[]>> sink;
    private final Duration linger;
    private final ScheduledExecutorService closer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-gateway-reply-linger");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong read = new AtomicLong();
    private final List<TopicTail> lingering = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<Integer, java.util.concurrent.atomic.AtomicInteger> waiting = new java.util.concurrent.ConcurrentHashMap<>();
    private final OwnedPartitions owned;

    public ReplyReader(Map<String, Object> kafka, String topic, String groupId, String clientId, Duration linger,
                       Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        super(clientId, properties(kafka, groupId, clientId));
        this.kafka = kafka;
        this.topic = topic;
        this.clientId = clientId;
        this.linger = linger;
        this.sink = sink;
        this.owned = new OwnedPartitions(linger.toNanos());
    }

    private static Map<String, Object> properties(Map<String, Object> kafka, String groupId, String clientId) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return c;
    }

    public ReplyReader start() {
        startThread();
        return this;
    }

    @Override
    protected void beforeLoop() {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                linger(revoked);
                update();
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                // Start at the end of a partition new to the group: replies are only for calls made from now on.
                update();
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> lost) {
                update();
            }
        });
    }

    @Override
    protected void pollOnce() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            read.incrementAndGet();
            deliver(r, sink);
        }
    }

    private void update() {
        List<Integer> now = new ArrayList<>();
        consumer.assignment().forEach(tp -> now.add(tp.partition()));
        owned.update(now, System.nanoTime());
    }

    /**
     * Counts a call waiting here for a reply on {@code partition}; run the returned action when its wait ends. A
     * partition moved away while calls wait on it is read on until they are done (see {@link #linger}).
     */
    public Runnable waitingOn(int partition) {
        java.util.concurrent.atomic.AtomicInteger count = waiting.computeIfAbsent(partition, p -> new java.util.concurrent.atomic.AtomicInteger());
        count.incrementAndGet();
        return count::decrementAndGet;
    }

    private boolean anyWaiting(Collection<TopicPartition> partitions) {
        return partitions.stream().anyMatch(tp -> waiting.getOrDefault(tp.partition(), new java.util.concurrent.atomic.AtomicInteger()).get() > 0);
    }

    /**
     * Keeps reading partitions taken away from here while calls made here still wait on them, at most {@code linger}
     * (the longest wait); partitions no call waits on are let go at once.
     */
    private void linger(Collection<TopicPartition> revoked) {
        if (revoked.isEmpty() || closing()) {
            return;
        }
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition tp : revoked) {
            if (anyWaiting(List.of(tp))) {
                from.put(tp, consumer.position(tp));
            }
        }
        if (from.isEmpty()) {
            return;
        }
        TopicTail tail = TopicTail.ofPartitions(clientId + "-linger", kafka, new ArrayList<>(from.keySet()), c -> from, r -> {
            read.incrementAndGet();
            deliver(r, sink);
        }).start();
        log.info("{}: reply partitions {} moved to another instance; reading them on (at most {} s) while calls made here wait on them",
                clientId, from.keySet(), linger.toSeconds());
        lingering.add(tail);
        long until = System.nanoTime() + linger.toNanos();
        java.util.concurrent.ScheduledFuture<?>[] check = new java.util.concurrent.ScheduledFuture<?>[1];
        check[0] = closer.scheduleWithFixedDelay(() -> {
            if (!anyWaiting(from.keySet()) || System.nanoTime() > until) {
                lingering.remove(tail);
                tail.close();
                check[0].cancel(false);
            }
        }, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** The reply partition to name in requests sent now: the lowest owned, or none before the group assigned one. */
    public OptionalInt replyPartition() {
        return owned.lowest();
    }

    /** Reply partitions this instance owns right now. */
    public Set<Integer> owned() {
        return owned.owned();
    }

    /**
     * Whether {@code partition} has been this instance's for longer than the linger (the longest wait), so that only
     * calls made here can be waiting on it (see {@link OwnedPartitions}).
     */
    public boolean settled(int partition) {
        return owned.settled(partition, System.nanoTime());
    }

    /** Reply records read by this instance (its own partitions, and moved ones while they linger). */
    public long recordsRead() {
        return read.get();
    }

    @Override
    public void close() {
        super.close();
        closer.shutdownNow();
        lingering.forEach(TopicTail::close);
    }
}
