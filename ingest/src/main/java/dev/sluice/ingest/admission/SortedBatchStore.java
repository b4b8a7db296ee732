package dev.sluice.ingest.admission;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Holds a store's writes on the heap and hands them to RocksDB in key order, one write batch at a time. It sits below
 * Kafka Streams' change-logging layer, so every write still reaches the changelog (inside the task's transaction) when
 * it is made; only the local copy is written late. Reads see the held writes first. A batch is written when {@link
 * #BATCH} writes are held, before any range read, and at {@link #commit}, which Kafka Streams calls before it writes
 * a checkpoint (as {@code commit}), so a checkpoint never names an offset whose writes the local copy lacks. Under
 * exactly-once a running task writes a checkpoint only when it is suspended or closed, so batches are bounded by their
 * size, not by the commit interval (under at-least-once, by every commit). {@code TopologyTestDriver} commits after
 * each record, so under it each record's writes are handed on at once. Under exactly-once a crash
 * wipes the local copy and restores it from the changelog, so writes held at a crash are not lost.
 *
 * <p>Why: each admitted request inserts into a skip list of several megabytes at a random place; inserted in key
 * order, consecutive inserts share most of their path, which stays in the CPU's cache. Larger batches share more of
 * it: 16,384 drained faster than 4,096, and 4,096 than 1,024 (twenty-eighth pass), for at most 16,384 held writes a
 * store a task on the heap (~3 MB).
 */
public final class SortedBatchStore implements KeyValueStore<Bytes, byte[]> {
    static final int BATCH = 16_384;
    private static final byte[] DELETED = new byte[0];

    private final KeyValueStore<Bytes, byte[]> inner;
    private final Map<Bytes, byte[]> held = new HashMap<>();

    SortedBatchStore(KeyValueStore<Bytes, byte[]> inner) {
        this.inner = inner;
    }

    /** {@code supplier}'s stores, each behind a {@link SortedBatchStore}. */
    public static KeyValueBytesStoreSupplier around(KeyValueBytesStoreSupplier supplier) {
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return supplier.name();
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new SortedBatchStore(supplier.get());
            }

            @Override
            public String metricsScope() {
                return supplier.metricsScope();
            }
        };
    }

    @Override
    public byte[] get(Bytes key) {
        byte[] v = held.get(key);
        if (v == null) {
            return inner.get(key);
        }
        return v == DELETED ? null : v;
    }

    @Override
    public void put(Bytes key, byte[] value) {
        held.put(key, value == null ? DELETED : value);
        if (held.size() >= BATCH) {
            write();
        }
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        byte[] old = get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        entries.forEach(e -> put(e.key, e.value));
    }

    @Override
    public byte[] delete(Bytes key) {
        byte[] old = get(key);
        put(key, null);
        return old;
    }

    /** Hands the held writes to RocksDB in key order, as one batch. */
    private void write() {
        if (held.isEmpty()) {
            return;
        }
        List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(held.size());
        held.forEach((k, v) -> batch.add(KeyValue.pair(k, v == DELETED ? null : v)));
        batch.sort((a, b) -> a.key.compareTo(b.key));
        held.clear();
        inner.putAll(batch);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        write();
        return inner.range(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        write();
        return inner.reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        write();
        return inner.all();
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        write();
        return inner.reverseAll();
    }

    @Override
    public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
            P prefix, PS prefixKeySerializer) {
        write();
        return inner.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries() + held.size();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        inner.init(context, root);
    }

    @Override
    public void commit(Map<org.apache.kafka.common.TopicPartition, Long> changelogOffsets) {
        write();
        inner.commit(changelogOffsets);
    }

    @Override
    @SuppressWarnings("deprecation") // managesOffsets: as Kafka Streams' own wrappers do
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public Long committedOffset(org.apache.kafka.common.TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public void close() {
        held.clear(); // a clean close is flushed first; a dirty one is restored from the changelog
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        write();
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}
