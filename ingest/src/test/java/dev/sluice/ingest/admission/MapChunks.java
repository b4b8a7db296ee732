package dev.sluice.ingest.admission;

import java.util.HashMap;
import java.util.Map;

/** {@link WindowChunks} in a map, for states that are not in a store (unit tests, micro-benchmarks). */
final class MapChunks implements WindowChunks {
    final Map<Long, byte[]> chunks = new HashMap<>();

    @Override
    public byte[] get(long seq) {
        return chunks.get(seq);
    }

    @Override
    public void put(long seq, byte[] chunk) {
        chunks.put(seq, chunk);
    }

    @Override
    public void delete(long seq) {
        chunks.remove(seq);
    }
}
