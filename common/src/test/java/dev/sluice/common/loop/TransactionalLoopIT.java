package dev.sluice.common.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared loop's failure handling, once, against a real broker: fencing ends the loop, a failure mid-transaction
 * aborts and publishes again with no duplicate for read_committed readers, a failed poll is read again, and
 * submitted work pauses consumption at the in-flight bound.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class TransactionalLoopIT {

    /** Output = input key, value "out-" + input value; decided in accept unless the test submits work. */
    static final class EchoHandler implements RecordHandler<String> {
        final String output;
        final List<String> accepted = new CopyOnWriteArrayList<>();
        final AtomicInteger acceptFailuresLeft = new AtomicInteger();
        BiFunction<ConsumerRecord<byte[], byte[]>, String, Boolean> failOutputs = (r, o) -> false;
        final List<CompletableFuture<String>> held = new CopyOnWriteArrayList<>();
        boolean submit;
        /** What {@link #commitDue} answers before every poll. */
        volatile boolean commitDue;
        Runnable beforeEachPoll = () -> { };

        EchoHandler(String output) {
            this.output = output;
        }

        @Override
        public void accept(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records, Intake<String> intake) {
            if (acceptFailuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("model provider down");
            }
            records.values().forEach(rs -> rs.forEach(r -> {
                String value = new String(r.value(), StandardCharsets.UTF_8);
                accepted.add(value);
                PartitionProgress.Slot<String> slot = intake.register(r);
                if (submit) {
                    CompletableFuture<String> f = new CompletableFuture<>();
                    held.add(f);
                    intake.submit(slot, () -> f.thenApply(v -> "out-" + value));
                } else {
                    slot.complete("out-" + value);
                }
            }));
        }

        @Override
        public List<ProducerRecord<byte[], byte[]>> outputs(ConsumerRecord<byte[], byte[]> source, String outcome) {
            if (failOutputs.apply(source, outcome)) {
                throw new IllegalStateException("failure mid-transaction");
            }
            return List.of(new ProducerRecord<>(output, source.key(), outcome.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void beforePoll() {
            beforeEachPoll.run();
        }

        @Override
        public boolean commitDue() {
            return commitDue;
        }

        @Override
        public String failed(ConsumerRecord<byte[], byte[]> source, Throwable failure) {
            return "failed";
        }

        @Override
        public void committed(List<PartitionProgress.Slot<String>> slots) {
        }
    }

    record Topics(String input, String output, String prefix) {}

    static Topics topics(KafkaBroker kafka, String test) {
        String prefix = SluiceInfra.uniquePrefix(test);
        Topics t = new Topics(prefix + "in", prefix + "out", prefix);
        kafka.createTopics(1, t.input(), t.output());
        return t;
    }

    static Map<String, Object> base(KafkaBroker kafka) {
        Map<String, Object> base = new HashMap<>();
        base.put("bootstrap.servers", kafka.bootstrapServers());
        base.put("max.request.size", 1_048_576); // a producer-only key: the consumer builder strips it
        return base;
    }

    static final AtomicInteger aborts = new AtomicInteger();

    /** A real producer that counts its aborts, so a test can tell an abort happened. */
    static final class CountingProducer extends KafkaProducer<byte[], byte[]> {
        CountingProducer(Map<String, Object> props) {
            super(props, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public void abortTransaction() {
            aborts.incrementAndGet();
            super.abortTransaction();
        }
    }

    static TransactionalLoop<String> loop(KafkaBroker kafka, Topics t, EchoHandler handler, LoopSettings settings, int maxPollRecords) {
        return loop(kafka, t, handler, settings, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords), "tx");
    }

    static TransactionalLoop<String> loop(KafkaBroker kafka, Topics t, EchoHandler handler, LoopSettings settings,
                                          Map<String, Object> consumerOverrides, String transactionalId) {
        Map<String, Object> consumer = LoopClients.transactionalConsumer(base(kafka), t.prefix() + "group", consumerOverrides);
        Map<String, Object> producer = LoopClients.transactionalProducer(base(kafka), t.prefix() + transactionalId);
        TransactionalLoop<String> loop = new TransactionalLoop<>("test",
                new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                () -> new CountingProducer(producer), t.input(), handler, settings);
        loop.start();
        return loop;
    }

    static LoopSettings everyPoll() {
        return new LoopSettings(10, 1000, Duration.ZERO, Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMillis(100));
    }

    /** A commit every hour unless something makes one due sooner; {@code maxPending} records per partition. */
    static LoopSettings hourly(int maxPending) {
        return new LoopSettings(10, maxPending, Duration.ofHours(1), Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMillis(100));
    }

    static void send(KafkaBroker kafka, String topic, int from, int to) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    /** Every value on {@code topic} as the given isolation level sees it. */
    static List<String> read(KafkaBroker kafka, String topic, String isolation) {
        Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            }
        }
        return values;
    }

    static List<String> expected(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("out-v" + i);
        }
        return out;
    }

    @Test
    void shouldEndTheLoopWhenAnotherInstanceTakesItsTransactionalId(KafkaBroker kafka) {
        Topics t = topics(kafka, "loop-fenced");
        EchoHandler handler = new EchoHandler(t.output());
        TransactionalLoop<String> loop = loop(kafka, t, handler, everyPoll(), 500);
        try {
            send(kafka, t.input(), 0, 3);
            await().atMost(Duration.ofSeconds(60)).until(() -> read(kafka, t.output(), "read_committed").size() == 3);

            try (KafkaProducer<byte[], byte[]> newer = new KafkaProducer<>(LoopClients.transactionalProducer(base(kafka), t.prefix() + "tx"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                newer.initTransactions(); // fences the loop's producer
                send(kafka, t.input(), 3, 5);

                await().atMost(Duration.ofSeconds(60)).until(() -> loop.state() == TransactionalLoop.State.FAILED);
            }
            assertThat(loop.live()).isFalse();
            assertThat(loop.failure()).isInstanceOf(FatalLoopException.class);
            assertThat(loop.failure().getCause()).isInstanceOfAny(ProducerFencedException.class, InvalidProducerEpochException.class);
            assertThat(read(kafka, t.output(), "read_committed")).as("nothing of the fenced transaction is visible")
                    .containsExactlyElementsOf(expected(0, 3));
            assertThat(committedOffset(kafka, t)).as("the fenced records stay unconsumed for the next owner").isEqualTo(3);
        } finally {
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldAbortAndPublishAgainWhenAFailureHappensMidTransaction(KafkaBroker kafka) {
        Topics t = topics(kafka, "loop-abort");
        EchoHandler handler = new EchoHandler(t.output());
        AtomicInteger failuresLeft = new AtomicInteger(1);
        List<String> attempts = new CopyOnWriteArrayList<>();
        handler.failOutputs = (r, outcome) -> {
            attempts.add(outcome);
            return outcome.equals("out-v5") && failuresLeft.getAndDecrement() > 0;
        };
        send(kafka, t.input(), 0, 10);
        int abortsBefore = aborts.get();
        TransactionalLoop<String> loop = loop(kafka, t, handler, everyPoll(), 500);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        loop.measuredIn(meters);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset(kafka, t) == 10);

            assertThat(aborts.get() - abortsBefore).as("the failed transaction was aborted").isEqualTo(1);
            assertThat(meters.get("sluice.test.transactions.aborted").functionCounter().count()).as("and counted").isEqualTo(1);
            assertThat(meters.get("sluice.test.producers.replaced").functionCounter().count()).as("its producer kept").isZero();
            assertThat(attempts.stream().filter(a -> a.equals("out-v0")).count()).as("the batch was published twice").isEqualTo(2);
            assertThat(read(kafka, t.output(), "read_committed")).as("each output once for read_committed readers")
                    .containsExactlyElementsOf(expected(0, 10));
            assertThat(loop.lastFailure()).isEmpty();
            assertThat(loop.live()).isTrue();
        } finally {
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldWaitTheRetryBackoffBeforePublishingAnAbortedTransactionAgain(KafkaBroker kafka) {
        abortedTransactionWaitsTheBackoff(kafka, "loop-abort-backoff", false);
    }

    @Test
    void shouldWaitTheRetryBackoffAfterAnAbortEvenWhenTheHandlerSaysACommitIsDue(KafkaBroker kafka) {
        abortedTransactionWaitsTheBackoff(kafka, "loop-abort-backoff-due", true);
    }

    @Test
    void shouldCommitAtOnceWhenTheHandlerSaysACommitIsDueLongBeforeTheInterval(KafkaBroker kafka) {
        Topics t = topics(kafka, "loop-commit-due");
        EchoHandler handler = new EchoHandler(t.output());
        handler.commitDue = true; // as enrichment's handler says after a poll with a fresh record (FreshCommits)
        send(kafka, t.input(), 0, 5);
        TransactionalLoop<String> loop = loop(kafka, t, handler, hourly(1000), 500);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset(kafka, t) == 5);
            assertThat(read(kafka, t.output(), "read_committed")).containsExactlyElementsOf(expected(0, 5));
        } finally {
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldCommitAPartitionPausedAtItsPendingLimitWithoutWaitingOutTheInterval(KafkaBroker kafka) {
        // A backlog under an hourly interval: the partition is paused at 10 pending records, each decided. Waiting for
        // the interval would drain 10 records an hour; a full partition is committed at once instead.
        Topics t = topics(kafka, "loop-full");
        EchoHandler handler = new EchoHandler(t.output());
        send(kafka, t.input(), 0, 95);
        TransactionalLoop<String> loop = loop(kafka, t, handler, hourly(10), 5);
        try {
            // all but the last few (fewer than the limit: they fill no partition and wait for the interval or a stop)
            await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset(kafka, t) > 95 - 10);
            int committed = (int) committedOffset(kafka, t);
            assertThat(read(kafka, t.output(), "read_committed")).containsExactlyElementsOf(expected(0, committed));
        } finally {
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
        assertThat(read(kafka, t.output(), "read_committed")).containsExactlyElementsOf(expected(0, 95));
    }

    private static void abortedTransactionWaitsTheBackoff(KafkaBroker kafka, String name, boolean handlerSaysDue) {
        Topics t = topics(kafka, name);
        EchoHandler handler = new EchoHandler(t.output());
        handler.commitDue = handlerSaysDue;
        AtomicInteger failuresLeft = new AtomicInteger(2);
        List<Long> attemptsAt = new CopyOnWriteArrayList<>();
        handler.failOutputs = (r, outcome) -> {
            if (!outcome.equals("out-v0")) {
                return false;
            }
            attemptsAt.add(System.nanoTime());
            return failuresLeft.getAndDecrement() > 0;
        };
        send(kafka, t.input(), 0, 3);
        Duration backoff = Duration.ofMillis(700);
        // a transaction after every poll: without the back-off the aborted batch would be tried again within one poll (50 ms)
        LoopSettings settings = new LoopSettings(10, 1000, Duration.ZERO, Duration.ofSeconds(5), backoff, Duration.ofMillis(50));
        TransactionalLoop<String> loop = loop(kafka, t, handler, settings, 500);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset(kafka, t) == 3);

            assertThat(attemptsAt).as("two aborted attempts, then the one that committed").hasSize(3);
            for (int i = 1; i < attemptsAt.size(); i++) {
                assertThat(Duration.ofNanos(attemptsAt.get(i) - attemptsAt.get(i - 1)))
                        .as("attempt %d came at least the retry back-off after the aborted one before it", i + 1)
                        .isGreaterThanOrEqualTo(backoff);
            }
            assertThat(read(kafka, t.output(), "read_committed")).containsExactlyElementsOf(expected(0, 3));
        } finally {
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldReadAPollAgainWhenDecidingItFails(KafkaBroker kafka) {
        Topics t = topics(kafka, "loop-rewind");
        EchoHandler handler = new EchoHandler(t.output());
        handler.acceptFailuresLeft.set(2);
        send(kafka, t.input(), 0, 10);
        TransactionalLoop<String> loop = loop(kafka, t, handler, everyPoll(), 500);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset(kafka, t) == 10);

            assertThat(handler.acceptFailuresLeft.get()).as("both failures happened").isNegative();
            assertThat(read(kafka, t.output(), "read_committed")).containsExactlyElementsOf(expected(0, 10));
        } finally {
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldPauseAtTheInFlightBoundAndResumeWhenWorkCompletes(KafkaBroker kafka) {
        Topics t = topics(kafka, "loop-pressure");
        EchoHandler handler = new EchoHandler(t.output());
        handler.submit = true;
        send(kafka, t.input(), 0, 20);
        LoopSettings settings = new LoopSettings(3, 1000, Duration.ofMillis(20), Duration.ofSeconds(5), Duration.ofMillis(100),
                Duration.ofMillis(50));
        TransactionalLoop<String> loop = loop(kafka, t, handler, settings, 2); // two records per poll
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> loop.inFlight() == 3);
            // paused: at most one more poll after the bound is reached (3 running + 1 queued), never all 20
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> handler.accepted.size() <= 4 && loop.inFlight() == 3);
            assertThat(read(kafka, t.output(), "read_committed")).isEmpty();

            // complete work as it is started until everything is through
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                handler.held.forEach(f -> f.complete("done"));
                return committedOffset(kafka, t) == 20;
            });
            assertThat(handler.accepted).hasSize(20);
            assertThat(read(kafka, t.output(), "read_committed")).containsExactlyElementsOf(expected(0, 20));
        } finally {
            handler.held.forEach(f -> f.complete("done"));
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    /**
     * An instance whose commits keep failing reports the failure (so it is not ready) for as long as it holds records it
     * could not publish; once its partition moves to another member and nothing else waits, it has nothing left to
     * retry and reports ready again, idle. The partition goes to the newcomer because the range assignor orders static
     * members by their instance id ("a-newcomer" before "z-failing"). Before the fix the failure stayed until a commit
     * that never came (seen as a woken, healthy stage reporting DOWN in a clean-clone run of EnrichmentTakeoverIT).
     */
    @Test
    void shouldReportNoFailureOnceThePartitionsItCouldNotPublishForMovedToAnotherMember(KafkaBroker kafka) {
        Topics t = topics(kafka, "loop-failure-moved");
        EchoHandler failing = new EchoHandler(t.output());
        failing.failOutputs = (r, outcome) -> true;
        send(kafka, t.input(), 0, 5);
        TransactionalLoop<String> first = loop(kafka, t, failing, everyPoll(), staticMember("z-failing"), "tx-failing");
        TransactionalLoop<String> newcomer = null;
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !first.lastFailure().isEmpty());
            assertThat(first.lastFailure()).isEqualTo("IllegalStateException");

            newcomer = loop(kafka, t, new EchoHandler(t.output()), everyPoll(), staticMember("a-newcomer"), "tx-newcomer");
            TransactionalLoop<String> second = newcomer;
            await().atMost(Duration.ofSeconds(60)).until(() -> second.assigned() && !first.assigned() && committedOffset(kafka, t) == 5);

            assertThat(read(kafka, t.output(), "read_committed")).as("the newcomer published each record once")
                    .containsExactlyElementsOf(expected(0, 5));
            assertThat(first.lastFailure()).as("nothing of the failure is left to retry").isEmpty();
            assertThat(first.live()).isTrue();
        } finally {
            if (newcomer != null) {
                newcomer.stopAndJoin(Duration.ofSeconds(30));
            }
            first.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    private static Map<String, Object> staticMember(String instanceId) {
        return Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    }

    /**
     * A stall of the loop thread alone (here a 6 s pause before a poll; the consumer's heartbeat thread keeps the
     * membership alive) puts ownership in doubt like a stall of the whole process: the loop asks the broker, which
     * confirms it, and the work goes on, each record published once.
     */
    @Test
    void shouldGoOnAfterAStallOnceTheBrokerConfirmsThePartitionIsStillItsOwn(KafkaBroker kafka) {
        Topics t = topics(kafka, "loop-stall");
        AtomicInteger stalls = new AtomicInteger(1);
        EchoHandler handler = new EchoHandler(t.output());
        handler.beforeEachPoll = () -> {
            if (handler.held.size() >= 3 && stalls.getAndDecrement() > 0) {
                sleep(TransactionalLoop.STALL.plusSeconds(1));
            }
        };
        handler.submit = true;
        send(kafka, t.input(), 0, 20);
        LoopSettings settings = new LoopSettings(3, 1000, Duration.ofMillis(20), Duration.ofSeconds(5), Duration.ofMillis(100),
                Duration.ofMillis(50));
        TransactionalLoop<String> loop = loop(kafka, t, handler, settings, 2);
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                handler.held.forEach(f -> f.complete("done"));
                return committedOffset(kafka, t) == 20;
            });
            assertThat(stalls.get()).as("the loop stalled").isLessThanOrEqualTo(0);
            assertThat(loop.ownershipChecks()).as("the broker was asked after the stall").isPositive();
            assertThat(read(kafka, t.output(), "read_committed")).containsExactlyElementsOf(expected(0, 20));
        } finally {
            handler.held.forEach(f -> f.complete("done"));
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldStripKeysTheClientDoesNotKnow() {
        Map<String, Object> base = new HashMap<>(Map.of("bootstrap.servers", "x:1", "max.request.size", 5, "fetch.min.bytes", 2));
        assertThat(LoopClients.transactionalConsumer(base, "g", Map.of())).doesNotContainKey("max.request.size")
                .containsEntry("fetch.min.bytes", 2).containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false);
        assertThat(LoopClients.transactionalProducer(base, "tx")).doesNotContainKey("fetch.min.bytes")
                .containsEntry("max.request.size", 5).containsEntry(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }

    static long committedOffset(KafkaBroker kafka, Topics t) {
        try (var admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(t.prefix() + "group")
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata o = offsets.get(new TopicPartition(t.input(), 0));
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            return -1;
        }
    }
}
