package dev.sluice.generation.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.List;

import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.ledger.Ledger;
import dev.sluice.generation.ledger.LedgerLoader;
import dev.sluice.generation.store.InMemoryGenerationStore;
import dev.sluice.schemas.TopicCatalog;
import dev.sluice.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class TransactionsTest {
    final TopicCatalog catalog = new TopicCatalog("tx.", 1, new SchemaRegistryClient("http://127.0.0.1:9"));
    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    final TopicPartition tp = new TopicPartition(catalog.enriched().name(), 0);

    Transactions transactions(MockProducer<byte[], byte[]> producer) {
        Ledger ledger = new Ledger(new LedgerLoader(new MockConsumer<>("earliest"), catalog.generationLedger().name(),
                java.time.Duration.ofSeconds(1)));
        Transactions tx = new Transactions(producer, consumer, new OutputRecords(catalog, Clock.systemUTC(), 1 << 20),
                ledger, new InMemoryGenerationStore(), ProcessorSettings.defaults(), GenerationMetrics.standalone());
        tx.init();
        return tx;
    }

    PartitionProgress oneDeadLetter() {
        PartitionProgress p = new PartitionProgress(tp);
        p.register(new ConsumerRecord<>(tp.topic(), 0, 7L, "k".getBytes(), "v".getBytes()))
                .complete(new Outcome.DeadLetter("r-1", "INVALID_REQUEST", "bad", 1));
        return p;
    }

    @Test
    void shouldStopTheLoopWhenTheCommitTimesOutAndTheAbortThrows() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.commitTransactionException = new TimeoutException("commit timed out");
        producer.abortTransactionException = new KafkaException("cannot abort while a commit is pending");
        PartitionProgress p = oneDeadLetter();

        assertThatThrownBy(() -> transactions(producer).commit(List.of(p)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("neither commit").hasMessageContaining("TimeoutException");
        assertThat(p.pending()).as("nothing is forgotten: a restart redoes it").isEqualTo(1);
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
        PartitionProgress p = oneDeadLetter();

        assertThat(transactions(producer).commit(List.of(p))).isEqualTo(1);
        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.history()).singleElement().satisfies(r -> assertThat(r.topic()).isEqualTo(catalog.dlq().name()));
        assertThat(p.pending()).isZero();
    }

    @Test
    void shouldAbortAndKeepTheRecordsForTheNextCommitOnAnOrdinaryFailure() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.commitTransactionException = new KafkaException("broker hiccup");
        PartitionProgress p = oneDeadLetter();

        assertThat(transactions(producer).commit(List.of(p))).isZero();
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(p.pending()).isEqualTo(1);
    }
}
