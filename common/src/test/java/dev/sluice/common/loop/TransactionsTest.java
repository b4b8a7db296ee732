package dev.sluice.common.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The failure policy of one transaction, against Kafka's {@link MockProducer} (pure logic; the real broker is in TransactionalLoopIT). */
class TransactionsTest {
    final TopicPartition tp = new TopicPartition("in", 0);
    final Deque<MockProducer<byte[], byte[]>> producers = new ArrayDeque<>();
    final List<MockProducer<byte[], byte[]>> built = new ArrayList<>();
    final List<String> committed = new ArrayList<>();
    RuntimeException outputFailure;
    /** Whether the handler lets outcomes be published ahead of their partition's prefix (never those starting "held"). */
    boolean ahead;

    final RecordHandler<String> handler = new RecordHandler<String>() {
        @Override
        public void accept(java.util.Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records, Intake<String> intake) {
        }

        @Override
        public List<ProducerRecord<byte[], byte[]>> outputs(ConsumerRecord<byte[], byte[]> source, String outcome) {
            if (outputFailure != null) {
                RuntimeException e = outputFailure;
                outputFailure = null;
                throw e;
            }
            return List.of(new ProducerRecord<>("out", source.key(), outcome.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String failed(ConsumerRecord<byte[], byte[]> source, Throwable failure) {
            return "failed";
        }

        @Override
        public void committed(List<PartitionProgress.Slot<String>> slots) {
            slots.forEach(s -> committed.add(s.outcome()));
        }

        @Override
        public boolean publishAhead(String outcome) {
            return ahead && !outcome.startsWith("held");
        }
    };

    static MockProducer<byte[], byte[]> mock() {
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    Transactions<String> transactions(MockProducer<byte[], byte[]> first) {
        producers.add(first);
        Transactions<String> tx = new Transactions<>(() -> {
            MockProducer<byte[], byte[]> p = producers.isEmpty() ? mock() : producers.poll();
            built.add(p);
            return p;
        }, () -> new ConsumerGroupMetadata("g"), handler);
        tx.init();
        return tx;
    }

    ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "k".getBytes(), "v".getBytes());
    }

    List<String> published(MockProducer<byte[], byte[]> producer) {
        return producer.history().stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    List<Long> committedOffsets(MockProducer<byte[], byte[]> producer) {
        return producer.consumerGroupOffsetsHistory().stream().map(byGroup -> byGroup.get("g").get(tp).offset()).toList();
    }

    @Test
    void shouldPublishARecordAheadOfAnUnfinishedOneWhileItsOffsetWaitsForTheGapToFill() {
        ahead = true;
        MockProducer<byte[], byte[]> producer = mock();
        Transactions<String> tx = transactions(producer);
        PartitionProgress<String> p = new PartitionProgress<>(tp);
        PartitionProgress.Slot<String> slow = p.register(record(7));
        p.register(record(8)).complete("fast");

        assertThat(tx.commit(List.of(p))).isEqualTo(1);
        assertThat(published(producer)).containsExactly("fast");
        assertThat(committedOffsets(producer)).as("the first unfinished offset again: the transaction still carries the group's fencing check")
                .containsExactly(7L);
        assertThat(committed).containsExactly("fast");
        assertThat(p.pending()).as("kept until the prefix reaches it").isEqualTo(2);
        assertThat(tx.commit(List.of(p))).as("nothing new").isZero();

        slow.complete("slow");
        assertThat(tx.commit(List.of(p))).isEqualTo(2);
        assertThat(published(producer)).as("the early one is not published twice").containsExactly("fast", "slow");
        assertThat(committedOffsets(producer)).containsExactly(7L, 9L);
        assertThat(committed).containsExactly("fast", "slow");
        assertThat(p.pending()).isZero();
    }

    @Test
    void shouldHoldARecordBehindAnUnfinishedOneUnlessTheHandlerLetsItsOutcomeAhead() {
        MockProducer<byte[], byte[]> producer = mock();
        Transactions<String> tx = transactions(producer);
        PartitionProgress<String> p = new PartitionProgress<>(tp);
        PartitionProgress.Slot<String> slow = p.register(record(7));
        p.register(record(8)).complete("fast");
        p.register(record(9)).complete("held: a dead letter");

        assertThat(tx.commit(List.of(p))).as("by default").isZero();
        ahead = true;
        assertThat(tx.commit(List.of(p))).isEqualTo(1);
        assertThat(published(producer)).as("the outcome the handler holds waits for the prefix").containsExactly("fast");

        slow.complete("slow");
        assertThat(tx.commit(List.of(p))).isEqualTo(3);
        assertThat(published(producer)).containsExactly("fast", "slow", "held: a dead letter");
        assertThat(committedOffsets(producer)).containsExactly(7L, 10L);
    }

    @Test
    void shouldPublishARecordAheadAgainWhenItsTransactionWasAborted() {
        ahead = true;
        MockProducer<byte[], byte[]> producer = mock();
        producer.commitTransactionException = new KafkaException("broker hiccup");
        Transactions<String> tx = transactions(producer);
        PartitionProgress<String> p = new PartitionProgress<>(tp);
        p.register(record(7));
        p.register(record(8)).complete("fast");

        assertThat(tx.commit(List.of(p))).as("aborted").isEqualTo(Transactions.ABORTED);
        assertThat(committed).isEmpty();

        producer.commitTransactionException = null;
        assertThat(tx.commit(List.of(p))).isEqualTo(1);
        assertThat(published(producer)).containsExactly("fast");
        assertThat(committed).containsExactly("fast");
    }

    PartitionProgress<String> oneDecided() {
        PartitionProgress<String> p = new PartitionProgress<>(tp);
        p.register(new ConsumerRecord<>(tp.topic(), 0, 7L, "k".getBytes(), "v".getBytes())).complete("done");
        return p;
    }

    @Test
    void shouldReplaceTheProducerWhenTheCommitTimesOutAndTheAbortThrows() {
        MockProducer<byte[], byte[]> stuck = mock();
        stuck.commitTransactionException = new TimeoutException("commit timed out");
        stuck.abortTransactionException = new KafkaException("cannot abort while a commit is pending");
        PartitionProgress<String> p = oneDecided();
        Transactions<String> tx = transactions(stuck);

        assertThat(tx.commit(List.of(p))).as("aborted").isEqualTo(Transactions.ABORTED);
        assertThat(tx.rebuilt()).isEqualTo(1);
        assertThat(tx.aborted()).as("counted as aborted: its records go out again").isEqualTo(1);
        assertThat(stuck.closed()).isTrue();
        assertThat(p.pending()).as("nothing is forgotten: the new producer publishes it").isEqualTo(1);

        assertThat(tx.commit(List.of(p))).isEqualTo(1);
        assertThat(built.get(1).transactionCommitted()).isTrue();
        assertThat(p.pending()).isZero();
    }

    @Test
    void shouldWaitForATimedOutCommitOnceMoreInsteadOfAborting() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            private boolean timedOut;

            @Override
            public void commitTransaction() {
                if (!timedOut) {
                    timedOut = true;
                    throw new TimeoutException("commit timed out");
                }
                super.commitTransaction();
            }
        };
        PartitionProgress<String> p = oneDecided();

        assertThat(transactions(producer).commit(List.of(p))).isEqualTo(1);
        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.transactionAborted()).isFalse();
        assertThat(producer.history()).singleElement().satisfies(r -> assertThat(r.topic()).isEqualTo("out"));
        assertThat(committed).containsExactly("done");
        assertThat(p.pending()).isZero();
    }

    @Test
    void shouldAbortReuseTheProducerAndKeepTheRecordsOnAnOrdinaryFailure() {
        MockProducer<byte[], byte[]> producer = mock();
        producer.commitTransactionException = new KafkaException("broker hiccup");
        PartitionProgress<String> p = oneDecided();
        Transactions<String> tx = transactions(producer);

        assertThat(tx.commit(List.of(p))).as("aborted").isEqualTo(Transactions.ABORTED);
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(tx.lastFailure()).isEqualTo("KafkaException");
        assertThat(tx.aborted()).isEqualTo(1);
        assertThat(p.pending()).isEqualTo(1);
        assertThat(committed).isEmpty();

        producer.commitTransactionException = null;
        assertThat(tx.commit(List.of(p))).isEqualTo(1);
        assertThat(built).as("the same producer, no rebuild").containsExactly(producer);
        assertThat(tx.lastFailure()).isEmpty();
        assertThat(tx.aborted()).as("a commit does not count").isEqualTo(1);
        assertThat(tx.rebuilt()).isZero();
    }

    @Test
    void shouldAbortWhenTheHandlerThrowsWhileBuildingOutputs() {
        MockProducer<byte[], byte[]> producer = mock();
        outputFailure = new IllegalStateException("bug in the stage");
        PartitionProgress<String> p = oneDecided();

        assertThat(transactions(producer).commit(List.of(p))).as("aborted").isEqualTo(Transactions.ABORTED);
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(p.pending()).isEqualTo(1);
    }

    @Test
    void shouldConfirmOwnershipByCommittingTheFirstUncommittedOffsetAgainWithTheGroupsMetadata() {
        MockProducer<byte[], byte[]> producer = mock();
        Transactions<String> tx = transactions(producer);

        assertThat(tx.confirmOwnership(Map.of(tp, new OffsetAndMetadata(7)))).isTrue();
        assertThat(committedOffsets(producer)).as("nothing moves: the offset the group has already").containsExactly(7L);
        assertThat(published(producer)).as("an offsets-only transaction").isEmpty();
    }

    @Test
    void shouldDenyOwnershipAndAbortWhenTheGroupHasMovedOnWithoutThisMember() {
        MockProducer<byte[], byte[]> producer = mock();
        producer.commitTransactionException = new CommitFailedException("member expired after its session timeout");
        Transactions<String> tx = transactions(producer);

        assertThat(tx.confirmOwnership(Map.of(tp, new OffsetAndMetadata(7)))).isFalse();
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(tx.lastFailure()).isEqualTo("CommitFailedException");
        assertThat(tx.aborted()).as("the ownership check's transaction, aborted").isEqualTo(1);
        assertThat(built).as("the producer is reused: it was not fenced").containsExactly(producer);
    }

    @Test
    void shouldStopWhenFenced() {
        MockProducer<byte[], byte[]> producer = mock();
        producer.commitTransactionException = new ProducerFencedException("newer instance");
        PartitionProgress<String> p = oneDecided();

        Transactions<String> tx = transactions(producer);
        assertThatThrownBy(() -> tx.commit(List.of(p)))
                .isInstanceOf(FatalLoopException.class).hasCauseInstanceOf(ProducerFencedException.class);
        assertThat(tx.aborted()).as("fenced: the loop stops, nothing is aborted by this instance").isZero();
        assertThat(p.pending()).isEqualTo(1);
        assertThat(built).hasSize(1);
    }

    /** A transaction the broker timed out (the instance stalled past transaction.timeout.ms) stops the loop, and says so. */
    @Test
    void shouldStopAndNameTheTimeoutWhenTheBrokerEndedTheTransaction() {
        MockProducer<byte[], byte[]> producer = mock();
        producer.commitTransactionException = new InvalidProducerEpochException("epoch bumped by the coordinator's timeout");
        PartitionProgress<String> p = oneDecided();

        assertThatThrownBy(() -> transactions(producer).commit(List.of(p)))
                .isInstanceOf(FatalLoopException.class).hasCauseInstanceOf(InvalidProducerEpochException.class)
                .hasMessageContaining("transaction.timeout.ms");
        assertThat(p.pending()).as("nothing is forgotten: a new instance reads it again").isEqualTo(1);
        assertThat(built).as("not rebuilt: a new producer would fence the instance that took over").hasSize(1);
    }
}
