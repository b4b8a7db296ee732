package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
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

    private record Vector(java.util.List<Float> values, EmbeddingSource source) {}

    private static final Vector SKIPPED = new Vector(java.util.List.of(), EmbeddingSource.SKIPPED);

    public List<EnrichedRequest> enrich(List<AdmittedRequest> batch) {
        metrics.batch(batch.size());
        List<String> keyOfRecord = new ArrayList<>(batch.size());
        // the raw user text of each key: it is normalised again (as a String) only when the model needs it, on a miss
        Map<String, String> textOfKey = new LinkedHashMap<>();
        for (AdmittedRequest admitted : batch) {
            String raw = EmbeddingText.userText(admitted.getRequest());
            String key = EmbeddingText.cacheKey(raw, modelIdUtf8, embedder.caseInsensitive(), maxTextChars);
            keyOfRecord.add(key);
            if (key != null) {
                textOfKey.putIfAbsent(key, raw);
            }
        }
        Map<String, Vector> vectors = resolve(textOfKey);
        java.time.Instant enrichedAt = java.time.Instant.ofEpochMilli(clock.millis());
        List<EnrichedRequest> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            String key = keyOfRecord.get(i);
            Vector v = key == null ? SKIPPED : vectors.get(key);
            metrics.record(v.source());
            // The all-fields constructor: the builder's per-field validation is measurable on the warm path.
            out.add(new EnrichedRequest(batch.get(i), embedder.modelId(), v.values(), v.source(), enrichedAt));
        }
        return out;
    }

    private Map<String, Vector> resolve(Map<String, String> textOfKey) {
        Map<String, Vector> found = new HashMap<>();
        if (textOfKey.isEmpty()) {
            return found;
        }
        List<String> keys = new ArrayList<>(textOfKey.keySet());
        Optional<List<byte[]>> shared = cache.lookup(keys);
        Map<String, byte[]> writeBack = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            byte[] fromRedis = shared.isPresent() ? shared.get().get(i) : null;
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
                found.put(key, new Vector(FloatList.ofLittleEndian(fromRedis), EmbeddingSource.CACHE_HIT));
            } else if (fromLocal != null) {
                // Two tiers: a Redis miss the local tier can answer (e.g. Redis restarted empty) refills Redis.
                found.put(key, new Vector(new FloatList(fromLocal),
                        shared.isPresent() ? EmbeddingSource.CACHE_HIT : EmbeddingSource.DEGRADED_LOCAL_CACHE));
                if (shared.isPresent()) {
                    writeBack.put(key, VectorCodec.encode(fromLocal));
                }
            } else {
                missing.add(key);
            }
        }
        List<float[]> computed = List.of();
        if (!missing.isEmpty()) {
            List<String> texts = missing.stream()
                    .map(key -> EmbeddingText.normalise(textOfKey.get(key), embedder.caseInsensitive(), maxTextChars).text())
                    .toList();
            long t0 = System.nanoTime();
            computed = embedder.embedAll(texts);
            metrics.modelCall(texts.size(), System.nanoTime() - t0);
            for (int i = 0; i < missing.size(); i++) {
                cache.localPut(missing.get(i), computed.get(i));
                writeBack.put(missing.get(i), VectorCodec.encode(computed.get(i)));
            }
        }
        // No write-back while Redis is unavailable: the breaker already said so, and the vectors are in the local tier.
        boolean stored = shared.isPresent() && cache.store(writeBack);
        EmbeddingSource source = stored ? EmbeddingSource.COMPUTED : EmbeddingSource.DEGRADED_COMPUTED;
        for (int i = 0; i < missing.size(); i++) {
            found.put(missing.get(i), new Vector(new FloatList(computed.get(i)), source));
        }
        return found;
    }
}
