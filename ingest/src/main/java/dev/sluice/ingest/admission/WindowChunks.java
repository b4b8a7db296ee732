package dev.sluice.ingest.admission;

import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Where one user's long sliding window keeps its sealed pieces: runs of {@link UserState#CHUNK_ENTRIES} admissions
 * (time, estimated tokens) that are neither the oldest nor the newest of the user's last minute, so the user's own
 * record stays small and is all a request rewrites. Only users with more than {@link UserState#INLINE_MAX} admissions
 * in their last minute have any. Chunks are numbered per user in the order they were sealed; each is written once, read
 * once (when the window's trailing edge reaches it) and then deleted.
 */
interface WindowChunks {
    /** The chunk {@code seq}, or null if there is none (a reader on another thread may race a deletion). */
    byte[] get(long seq);

    void put(long seq, byte[] chunk);

    void delete(long seq);

    /** The store's key of a user's chunk ({@code |} cannot occur in a valid userId). */
    static String key(String userId, long seq) {
        return userId + '|' + seq;
    }

    /** {@code userId}'s chunks in the admission task's window store. */
    static WindowChunks of(KeyValueStore<String, byte[]> store, String userId) {
        return new InStore(store, store, userId);
    }

    /** {@code userId}'s chunks as an interactive query sees them: reading only. */
    static WindowChunks readOnly(ReadOnlyKeyValueStore<String, byte[]> store, String userId) {
        return new InStore(store, null, userId);
    }

    /** A user's chunks in a store; writing throws where {@code writes} is null. */
    record InStore(ReadOnlyKeyValueStore<String, byte[]> reads, KeyValueStore<String, byte[]> writes, String userId)
            implements WindowChunks {
        @Override
        public byte[] get(long seq) {
            return reads.get(key(userId, seq));
        }

        @Override
        public void put(long seq, byte[] chunk) {
            writable().put(key(userId, seq), chunk);
        }

        @Override
        public void delete(long seq) {
            writable().delete(key(userId, seq));
        }

        private KeyValueStore<String, byte[]> writable() {
            if (writes == null) {
                throw new UnsupportedOperationException("read only");
            }
            return writes;
        }
    }
}
