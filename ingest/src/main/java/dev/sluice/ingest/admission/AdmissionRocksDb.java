package dev.sluice.ingest.admission;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * Admission's one change to Kafka Streams' RocksDB settings: bloom filters on every sorted run of the admitted-requests
 * store, the last one included.
 *
 * <p>Streams opens every store with {@code optimize_filters_for_hits}, which leaves the bottommost sorted run (with
 * universal compaction, where most of a compacted store lives) without filters: right for stores whose lookups find
 * their key. The admitted-requests store is the opposite: every new request is looked up to rule out a duplicate,
 * and almost every lookup misses. Without a filter on the last run, each miss searches that run's index and reads a
 * data block (from the block cache, or from disk once a day's entries outgrow it) to learn what a filter says in a
 * few hashes. The other stores keep Streams' settings.
 */
public final class AdmissionRocksDb implements RocksDBConfigSetter {
    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        if (AdmissionTopology.REQUESTS_STORE.equals(storeName)) {
            options.setOptimizeFiltersForHits(false);
        }
    }

    @Override
    public void close(String storeName, Options options) {
        // nothing was allocated
    }
}
