package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.enrichment.cache.VectorCodec;
import dev.sluice.enrichment.embed.Embedder;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;

/**
 * The stage's transformation, free of Kafka: a poll's worth of admitted requests in, the same number of enriched
 * requests out, in order. Per batch: one Redis lookup for all distinct keys, one model call for all distinct misses
 * (identical texts are computed once), one pipelined write-back. Texts are chosen and normalised by
 * {@link EmbeddingText}; an empty text is SKIPPED (empty vector, no lookup, no model call).
 *
 * @throws dev.sluice.enrichment.embed.EmbeddingException from {@link #enrich} when the model fails: the caller
 *         retries the whole batch (nothing has been produced yet)
 */
public final class Enricher {
    private final Embedder embedder;
    private final ResilientCache cache;
    private final EnrichmentMetrics metrics;
    private final int maxTextChars;
    private final Clock clock;
    private final byte[] modelIdUtf8;

    public Enricher(Embedder embedder, ResilientCache cache, EnrichmentMetrics metrics, int maxTextChars, Clock clock) {
        this.embedder = embedder;
        this.cache = cache;
        this.metrics = metrics;
        this.maxTextChars = maxTextChars;
        this.clock = clock;
        this.modelIdUtf8 = embedder.modelId().getBytes(StandardCharsets.UTF_8);
    }

    /** The vector and source of each distinct key of a batch, by the key's slot (first-seen order). */
    private record Resolved(FloatList[] values, EmbeddingSource[] sources) {
        Resolved(int keys) {
            this(new FloatList[keys], new EmbeddingSource[keys]);
        }

        void set(int slot, FloatList vector, EmbeddingSource source) {
            values[slot] = vector;
            sources[slot] = source;
        }
    }

    private static final int SKIPPED = -1;
    private static final int SOURCES = EmbeddingSource.values().length;

    public List<EnrichedRequest> enrich(List<AdmittedRequest> batch) {
        metrics.batch(batch.size());
        // Arrays indexed by record and by slot (a distinct key's first-seen position) instead of maps from key to text
        // and key to vector: one lookup a record in KeySlots, to find duplicates.
        int[] slotOfRecord = new int[batch.size()];
        KeySlots slots = new KeySlots(batch.size());
        // the raw user text of each key: it is normalised again (as a String) only when the model needs it, on a miss
        List<String> rawTexts = new ArrayList<>(batch.size());
        for (int i = 0; i < slotOfRecord.length; i++) {
            String raw = EmbeddingText.userText(batch.get(i).getRequest());
            String key = EmbeddingText.cacheKey(raw, modelIdUtf8, embedder.caseInsensitive(), maxTextChars);
            if (key == null) {
                slotOfRecord[i] = SKIPPED;
                continue;
            }
            int slot = slots.slotOf(key);
            if (slot == rawTexts.size()) {
                rawTexts.add(raw); // a new key
            }
            slotOfRecord[i] = slot;
        }
        Resolved resolved = resolve(slots.keys(), rawTexts);
        java.time.Instant enrichedAt = java.time.Instant.ofEpochMilli(clock.millis());
        List<EnrichedRequest> out = new ArrayList<>(batch.size());
        long[] recordsBySource = new long[SOURCES];
        for (int i = 0; i < slotOfRecord.length; i++) {
            int slot = slotOfRecord[i];
            List<Float> values = slot == SKIPPED ? List.of() : resolved.values()[slot];
            EmbeddingSource source = slot == SKIPPED ? EmbeddingSource.SKIPPED : resolved.sources()[slot];
            recordsBySource[source.ordinal()]++;
            // The all-fields constructor: the builder's per-field validation is measurable on the warm path.
            out.add(new EnrichedRequest(batch.get(i), embedder.modelId(), values, source, enrichedAt));
        }
        metrics.record(recordsBySource);
        return out;
    }

    private Resolved resolve(List<String> keys, List<String> rawTexts) {
        Resolved found = new Resolved(keys.size());
        if (keys.isEmpty()) {
            return found;
        }
        Optional<List<byte[]>> shared = cache.lookup(keys);
        Map<String, byte[]> writeBack = new LinkedHashMap<>();
        List<Integer> missing = new ArrayList<>();
        for (int slot = 0; slot < keys.size(); slot++) {
            String key = keys.get(slot);
            byte[] fromRedis = shared.isPresent() ? shared.get().get(slot) : null;
            if (fromRedis != null && !VectorCodec.valid(fromRedis, embedder.dimensions())) {
                fromRedis = null; // a corrupt or foreign entry: a miss
            }
            float[] fromLocal = cache.localGet(key);
            if (fromRedis != null) {
                if (fromLocal == null) {
                    // keeps the local tier warm for the next outage (a vector it already holds is not rewritten)
                    cache.localPut(key, VectorCodec.decode(fromRedis, embedder.dimensions()));
                }
                // the record's vector is a view of Redis's bytes: a hit is not decoded into a new array
                found.set(slot, FloatList.ofLittleEndian(fromRedis), EmbeddingSource.CACHE_HIT);
            } else if (fromLocal != null) {
                // Two tiers: a Redis miss the local tier can answer (e.g. Redis restarted empty) refills Redis.
                found.set(slot, new FloatList(fromLocal),
                        shared.isPresent() ? EmbeddingSource.CACHE_HIT : EmbeddingSource.DEGRADED_LOCAL_CACHE);
                if (shared.isPresent()) {
                    writeBack.put(key, VectorCodec.encode(fromLocal));
                }
            } else {
                missing.add(slot);
            }
        }
        List<float[]> computed = List.of();
        if (!missing.isEmpty()) {
            List<String> texts = missing.stream()
                    .map(slot -> EmbeddingText.normalise(rawTexts.get(slot), embedder.caseInsensitive(), maxTextChars).text())
                    .toList();
            long t0 = System.nanoTime();
            computed = embedder.embedAll(texts);
            metrics.modelCall(texts.size(), System.nanoTime() - t0);
            for (int i = 0; i < missing.size(); i++) {
                String key = keys.get(missing.get(i));
                cache.localPut(key, computed.get(i));
                writeBack.put(key, VectorCodec.encode(computed.get(i)));
            }
        }
        // No write-back while Redis is unavailable: the breaker already said so, and the vectors are in the local tier.
        boolean stored = shared.isPresent() && cache.store(writeBack);
        EmbeddingSource source = stored ? EmbeddingSource.COMPUTED : EmbeddingSource.DEGRADED_COMPUTED;
        for (int i = 0; i < missing.size(); i++) {
            found.set(missing.get(i), new FloatList(computed.get(i)), source);
        }
        return found;
    }
}
