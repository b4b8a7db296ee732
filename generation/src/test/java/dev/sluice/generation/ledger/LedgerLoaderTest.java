package dev.sluice.generation.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The ledger read a slice at a time: what a slice reads is kept, and a partition is ready only at its end. */
class LedgerLoaderTest {
    private static final String TOPIC = "ledger";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Duration SLICE = Duration.ofMillis(20);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

    @Test
    void shouldGoOnFromWhereTheLastSliceStoppedAndReturnAPartitionOnlyOnceReadToItsEnd() {
        LedgerLoader loader = new LedgerLoader(consumer, TOPIC, Duration.ofSeconds(5));
        ends(10, 2);
        consumer.schedulePollTask(() -> { // the first fetch brings part of partition 0 and all of partition 1
            add(P0, 0, 4, "a");
            add(P1, 0, 2, "b");
        });

        Map<Integer, LedgerIndex> first = loader.load(List.of(0, 1), SLICE);
        assertThat(first).as("partition 1 read to its end; partition 0 not yet").containsOnlyKeys(1);
        assertThat(first.get(1).size()).isEqualTo(2);

        add(P0, 4, 10, "a"); // the rest arrives
        Map<Integer, LedgerIndex> second = loader.load(List.of(0), SLICE);
        assertThat(second).containsOnlyKeys(0);
        assertThat(second.get(0).size()).as("every record, the first slice's too").isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            assertThat(second.get(0).contains(hash("a", i))).isTrue();
        }
        assertThat(second.get(0).contains(hash("b", 0))).as("another partition's request").isFalse();
    }

    @Test
    void shouldSayTheLedgerIsUnavailableWhenNothingIsReadForTheTimeoutAndKeepWhatItRead() {
        LedgerLoader loader = new LedgerLoader(consumer, TOPIC, Duration.ofMillis(30));
        ends(10, 0);
        consumer.schedulePollTask(() -> add(P0, 0, 4, "a")); // then nothing more: the broker stalls

        assertThatThrownBy(() -> loader.load(List.of(0), Duration.ofMillis(100)))
                .isInstanceOf(LedgerUnavailableException.class).hasMessageContaining("partitions [0]")
                .hasMessageContaining("nothing read for 30 ms");

        add(P0, 4, 10, "a");
        Map<Integer, LedgerIndex> loaded = loader.load(List.of(0), SLICE);
        assertThat(loaded).containsOnlyKeys(0);
        assertThat(loaded.get(0).size()).as("what was read before the stall, kept").isEqualTo(10);
    }

    @Test
    void shouldForgetTheLoadOfARevokedPartitionAndReadItFromTheBeginningWhenItComesBack() {
        LedgerLoader loader = new LedgerLoader(consumer, TOPIC, Duration.ofSeconds(5));
        ends(10, 0);
        consumer.schedulePollTask(() -> add(P0, 0, 4, "old"));
        assertThat(loader.load(List.of(0), SLICE)).isEmpty();

        loader.forget(List.of(0));
        consumer.schedulePollTask(() -> add(P0, 0, 10, "new"));
        Map<Integer, LedgerIndex> loaded = loader.load(List.of(0), SLICE);

        assertThat(loaded).containsOnlyKeys(0);
        assertThat(loaded.get(0).size()).as("read again from its first offset").isEqualTo(10);
        assertThat(loaded.get(0).contains(hash("old", 0))).as("the forgotten load's reads dropped").isFalse();
    }

    @Test
    void shouldReturnAnEmptyLedgerAtOnce() {
        LedgerLoader loader = new LedgerLoader(consumer, TOPIC, Duration.ofSeconds(5));
        ends(0, 0);
        Map<Integer, LedgerIndex> loaded = loader.load(List.of(0, 1), SLICE);
        assertThat(loaded).containsOnlyKeys(0, 1);
        assertThat(loaded.values()).allSatisfy(index -> assertThat(index.size()).isZero());
    }

    private void ends(long p0, long p1) {
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.updateEndOffsets(Map.of(P0, p0, P1, p1));
    }

    private void add(TopicPartition tp, int from, int to, String prefix) {
        for (int i = from; i < to; i++) {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, tp.partition(), i, key(prefix, i), new byte[] {1}));
        }
    }

    private static byte[] key(String prefix, int i) {
        return ("4:user:" + prefix + "-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static RequestHash hash(String prefix, int i) {
        return RequestHash.of(key(prefix, i));
    }
}
