package dev.sluice.common;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import dev.sluice.common.loop.LoopClients;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer on one daemon thread, for the plain (non-transactional) readers outside Kafka Streams: the
 * gateway's key/batch tails, reply reader and reply router, the dashboard's table tail. It owns the lifecycle every
 * one of them needs and none should write again: the thread, {@link #close()} by {@code wakeup()} and a bounded
 * join, the consumer closed on the reading thread when the loop ends, and {@link #alive()} (false once the loop ended
 * on an error, which is logged once by its class and message, never a record's content).
 *
 * <p>A subclass builds its consumer properties (see {@link #readCommittedWithoutGroup}), may set up the consumer in
 * its constructor or in {@link #beforeLoop()} (e.g. a subscription with a rebalance listener, which must be made on
 * the reading thread), and implements {@link #pollOnce()}: one poll and what it does with the records.
 */
public abstract class ConsumerThread implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerThread.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(15);

    protected final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    protected ConsumerThread(String name, Map<String, Object> consumerProperties) {
        this.consumer = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * Properties for a reader that joins no group and commits nothing, reading only committed transactions (so an
     * aborted transaction's record is never seen): {@code kafka} plus those settings, {@code clientId} unless set.
     */
    public static Map<String, Object> readCommittedWithoutGroup(Map<String, Object> kafka, String clientId) {
        return LoopClients.committedReader(kafka, kafka.containsKey(ConsumerConfig.CLIENT_ID_CONFIG)
                ? Map.of() : Map.of(ConsumerConfig.CLIENT_ID_CONFIG, clientId));
    }

    /** Starts the reading thread. */
    protected final void startThread() {
        thread.start();
    }

    /** Runs on the reading thread before the first poll. */
    protected void beforeLoop() throws InterruptedException {
    }

    /** One poll and the handling of what it returned; runs on the reading thread until {@link #close()}. */
    protected abstract void pollOnce() throws InterruptedException;

    /** Runs on the reading thread after a loop ended by {@link #close()} between two polls (not after a wake-up). */
    protected void afterLoop() {
    }

    /** Runs on the reading thread after the consumer is closed, however the loop ended: release other clients here. */
    protected void released() {
    }

    /**
     * Hands one record to {@code handler}; a handler that throws skips that record (logged by its position and the
     * exception's class only) so one record this instance cannot read never stops it from reading the rest.
     */
    protected final void deliver(ConsumerRecord<byte[], byte[]> record, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        try {
            handler.accept(record);
        } catch (RuntimeException e) {
            log.warn("{}: skipped {}-{}@{}: {}", name(), record.topic(), record.partition(), record.offset(), e.getClass().getSimpleName());
        }
    }

    private void run() {
        try {
            beforeLoop();
            while (running) {
                pollOnce();
            }
            afterLoop();
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            log.error("{} stopped: {}", name(), e.toString());
        } finally {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            released();
        }
    }

    /** True once {@link #close()} was called (e.g. a rebalance listener run by the closing consumer can tell). */
    protected final boolean closing() {
        return !running;
    }

    /** The reading thread's name (also its log prefix). */
    protected final String name() {
        return thread.getName();
    }

    /** True while the reading thread runs and has not failed. */
    public boolean alive() {
        return thread.isAlive() && failure == null;
    }

    /** Stops the loop (waking a poll in progress) and waits a bounded time for the thread to close the consumer. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(JOIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
