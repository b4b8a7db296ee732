package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.enrichment.cache.VectorCodec;
import dev.sluice.enrichment.embed.Embedder;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;

/**
 * The stage's transformation, free of Kafka: a poll's worth of admitted requests in, the same number of enriched
 * requests out, in order. Per batch: one Redis lookup for all distinct keys (sent in parts of
 * {@link #LOOKUP_PART_KEYS} as their keys are hashed, so Redis answers while the stage works), one model call for all
 * distinct misses (identical texts are computed once), one pipelined write-back. Texts are chosen and normalised by
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
    private final int lookupPartKeys;

    public Enricher(Embedder embedder, ResilientCache cache, EnrichmentMetrics metrics, int maxTextChars, Clock clock) {
        this(embedder, cache, metrics, maxTextChars, clock, LOOKUP_PART_KEYS);
    }

    Enricher(Embedder embedder, ResilientCache cache, EnrichmentMetrics metrics, int maxTextChars, Clock clock, int lookupPartKeys) {
        if (lookupPartKeys < 1) {
            throw new IllegalArgumentException("lookupPartKeys must be at least 1, was " + lookupPartKeys);
        }
        this.lookupPartKeys = lookupPartKeys;
        this.embedder = embedder;
        this.cache = cache;
        this.metrics = metrics;
        this.maxTextChars = maxTextChars;
        this.clock = clock;
        this.modelIdUtf8 = embedder.modelId().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Keys per MGET of a batch's lookup. A poll's keys are looked up in parts of this many, each sent as soon as its
     * keys are hashed, so Redis works on one part while the stage hashes the next and reads the answers before it.
     */
    static final int LOOKUP_PART_KEYS = 100;
    private static final int SKIPPED = -1;
    private static final int SOURCES = EmbeddingSource.values().length;

    public List<EnrichedRequest> enrich(List<AdmittedRequest> batch) {
        ResilientCache.Lookup lookup = cache.startLookup();
        try {
            return enrich(batch, lookup);
        } finally {
            lookup.finish(); // already finished unless something failed in between: gives the breaker its call back
        }
    }

    private List<EnrichedRequest> enrich(List<AdmittedRequest> batch, ResilientCache.Lookup lookup) {
        metrics.batch(batch.size());
        // Arrays indexed by record and by slot (a distinct key's first-seen position) instead of maps from key to text
        // and key to vector: one lookup a record in KeySlots, to find duplicates.
        int[] slotOfRecord = new int[batch.size()];
        KeySlots slots = new KeySlots(batch.size());
        // the raw user text of each key: it is normalised again (as a String) only when the model needs it, on a miss
        List<String> rawTexts = new ArrayList<>(batch.size());
        int sent = 0;
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
                if (rawTexts.size() - sent == lookupPartKeys) {
                    // Redis answers these while the next keys are hashed (and while their answers are read below)
                    lookup.send(slots.keys().subList(sent, rawTexts.size()));
                    sent = rawTexts.size();
                }
            }
            slotOfRecord[i] = slot;
        }
        lookup.send(slots.keys().subList(sent, rawTexts.size()));

        // Records are built in order as their keys' answers arrive (the later parts are still on their way), up to
        // the first record whose key missed everywhere: the rest wait for the batch's one model call.
        Resolution resolution = new Resolution(slots.keys(), rawTexts, lookup);
        java.time.Instant enrichedAt = java.time.Instant.ofEpochMilli(clock.millis());
        List<EnrichedRequest> out = new ArrayList<>(batch.size());
        long[] recordsBySource = new long[SOURCES];
        int built = 0;
        while (built < slotOfRecord.length && resolution.resolvedUpTo(slotOfRecord[built])) {
            out.add(build(batch.get(built), slotOfRecord[built], resolution, enrichedAt, recordsBySource));
            built++;
        }
        resolution.computeMisses();
        for (int i = built; i < slotOfRecord.length; i++) {
            out.add(build(batch.get(i), slotOfRecord[i], resolution, enrichedAt, recordsBySource));
        }
        metrics.record(recordsBySource);
        return out;
    }

    private EnrichedRequest build(AdmittedRequest admitted, int slot, Resolution resolution, java.time.Instant enrichedAt,
                                  long[] recordsBySource) {
        List<Float> values = slot == SKIPPED ? List.of() : resolution.values[slot];
        EmbeddingSource source = slot == SKIPPED ? EmbeddingSource.SKIPPED : resolution.sources[slot];
        recordsBySource[source.ordinal()]++;
        // The all-fields constructor: the builder's per-field validation is measurable on the warm path.
        return new EnrichedRequest(admitted, embedder.modelId(), values, source, enrichedAt);
    }

    /** The vector and source of each distinct key of a batch, by the key's slot (first-seen order), found slot by slot. */
    private final class Resolution {
        private final List<String> keys;
        private final List<String> rawTexts;
        private final ResilientCache.Lookup lookup;
        private final FloatList[] values;
        private final EmbeddingSource[] sources;
        private final Map<String, byte[]> writeBack = new LinkedHashMap<>();
        private final List<Integer> missing = new ArrayList<>();
        private int next;

        Resolution(List<String> keys, List<String> rawTexts, ResilientCache.Lookup lookup) {
            this.keys = keys;
            this.rawTexts = rawTexts;
            this.lookup = lookup;
            this.values = new FloatList[keys.size()];
            this.sources = new EmbeddingSource[keys.size()];
        }

        /** Resolves the slots up to {@code slot} from Redis or the local tier; whether {@code slot} has its vector. */
        boolean resolvedUpTo(int slot) {
            while (next <= slot) {
                resolve(next++);
            }
            return slot == SKIPPED || values[slot] != null;
        }

        private void resolve(int slot) {
            String key = keys.get(slot);
            // false for the keys of a part Redis did not answer (refused by the breaker, failed or timed out)
            boolean answered = lookup.answered(slot);
            byte[] fromRedis = answered ? lookup.value(slot) : null;
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
                set(slot, FloatList.ofLittleEndian(fromRedis), EmbeddingSource.CACHE_HIT);
            } else if (fromLocal != null) {
                // Two tiers: a Redis miss the local tier can answer (e.g. Redis restarted empty) refills Redis.
                set(slot, new FloatList(fromLocal), answered ? EmbeddingSource.CACHE_HIT : EmbeddingSource.DEGRADED_LOCAL_CACHE);
                if (answered) {
                    writeBack.put(key, VectorCodec.encode(fromLocal));
                }
            } else {
                missing.add(slot);
            }
        }

        private void set(int slot, FloatList vector, EmbeddingSource source) {
            values[slot] = vector;
            sources[slot] = source;
        }

        /** Resolves every slot left, computes the misses in one model call and writes back what Redis lacks. */
        void computeMisses() {
            resolvedUpTo(keys.size() - 1);
            boolean redisAnswered = lookup.finish();
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
            boolean stored = redisAnswered && cache.store(writeBack);
            EmbeddingSource source = stored ? EmbeddingSource.COMPUTED : EmbeddingSource.DEGRADED_COMPUTED;
            for (int i = 0; i < missing.size(); i++) {
                set(missing.get(i), new FloatList(computed.get(i)), source);
            }
        }
    }
}
