package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.internals.InMemoryKeyValueStore;
import org.junit.jupiter.api.Test;

/** The local copy's writes held on the heap and handed on in key order: reads never tell the difference. */
class SortedBatchStoreTest {
    private final Recording inner = new Recording();
    private final SortedBatchStore store = new SortedBatchStore(inner);

    @Test
    void shouldAnswerReadsFromTheHeldWritesBeforeTheyReachTheStoreBelow() {
        inner.put(key("gone"), value("old"));
        store.put(key("b"), value("1"));
        store.put(key("b"), value("2"));
        store.delete(key("gone"));

        assertThat(store.get(key("b"))).isEqualTo(value("2"));
        assertThat(store.get(key("gone"))).as("deleted while held").isNull();
        assertThat(store.putIfAbsent(key("b"), value("3"))).isEqualTo(value("2"));
        assertThat(inner.get(key("b"))).as("nothing handed on yet").isNull();
        assertThat(inner.batches).isEmpty();
    }

    @Test
    void shouldHandTheHeldWritesOnInKeyOrderAsOneBatchWhenEnoughAreHeld() {
        Random random = new Random(7);
        for (int i = 0; i < SortedBatchStore.BATCH; i++) {
            store.put(key("k" + random.nextInt(1_000_000_000)), value("v"));
        }
        assertThat(inner.batches).as("one batch once %d distinct writes are held", SortedBatchStore.BATCH).hasSize(1);
        List<Bytes> keys = inner.batches.get(0).stream().map(kv -> kv.key).toList();
        assertThat(keys).isSortedAccordingTo(Bytes::compareTo);
        assertThat(store.approximateNumEntries()).isEqualTo(keys.size());
    }

    @Test
    void shouldHandTheHeldWritesOnBeforeARangeOrAFullReadAndAtACommit() {
        store.put(key("a|1"), value("x"));
        store.put(key("a|2"), value("y"));
        assertThat(read(store.range(key("a|"), key("a|~")))).containsOnlyKeys("a|1", "a|2");
        store.delete(key("a|1"));
        assertThat(read(store.all())).containsOnlyKeys("a|2");

        store.put(key("c"), value("z"));
        store.commit(Map.of());
        assertThat(inner.get(key("c"))).as("a commit (before Kafka Streams writes a checkpoint) hands everything on")
                .isEqualTo(value("z"));
        assertThat(inner.get(key("a|1"))).isNull();
    }

    @Test
    void shouldAgreeWithAPlainMapWhateverTheOrderOfWritesReadsAndBatches() {
        Random random = new Random(11);
        TreeMap<String, String> expected = new TreeMap<>();
        for (int step = 0; step < 150_000; step++) {
            String k = "u" + random.nextInt(40_000);
            switch (random.nextInt(10)) {
                case 0 -> {
                    expected.remove(k);
                    store.delete(key(k));
                }
                case 1 -> assertThat(text(store.get(key(k)))).isEqualTo(expected.get(k));
                case 2 -> {
                    if (random.nextInt(5_000) == 0) {
                        assertThat(read(store.all())).isEqualTo(expected);
                    }
                }
                default -> {
                    String v = Integer.toString(step);
                    expected.put(k, v);
                    store.put(key(k), value(v));
                }
            }
        }
        store.commit(Map.of());
        assertThat(read(inner.all())).isEqualTo(expected);
        assertThat(inner.batches).as("batches handed on because enough writes were held, among those before full reads")
                .anyMatch(batch -> batch.size() == SortedBatchStore.BATCH);
    }

    private static Bytes key(String k) {
        return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] value(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] v) {
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private static TreeMap<String, String> read(KeyValueIterator<Bytes, byte[]> it) {
        TreeMap<String, String> all = new TreeMap<>();
        try (it) {
            it.forEachRemaining(kv -> all.put(new String(kv.key.get(), StandardCharsets.UTF_8), text(kv.value)));
        }
        return all;
    }

    /** An in-memory store that keeps each batch handed to it. */
    private static final class Recording extends InMemoryKeyValueStore {
        final List<List<KeyValue<Bytes, byte[]>>> batches = new ArrayList<>();

        Recording() {
            super("recording");
        }

        @Override
        public synchronized void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            batches.add(List.copyOf(entries));
            super.putAll(entries);
        }
    }
}
