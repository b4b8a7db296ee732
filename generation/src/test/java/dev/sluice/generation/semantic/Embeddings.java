package dev.sluice.generation.semantic;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.enrichment.EmbeddingText;
import dev.sluice.enrichment.embed.MiniLmEmbedder;

/**
 * The real all-MiniLM-L6-v2 (quantized) vectors enrichment attaches in production: the same text normalisation
 * ({@link EmbeddingText}, lowercased since the model is case-insensitive) and the same model, batch size 1.
 * One model per test JVM; vectors memoised by text.
 */
public final class Embeddings {
    private static MiniLmEmbedder model;
    private static final Map<String, float[]> memo = new HashMap<>();

    private Embeddings() {}

    public static synchronized float[] of(String text) {
        return memo.computeIfAbsent(text, t -> model().embedAll(List.of(normalised(t))).get(0));
    }

    public static synchronized List<float[]> of(List<String> texts) {
        List<String> missing = texts.stream().filter(t -> !memo.containsKey(t)).distinct().toList();
        if (!missing.isEmpty()) {
            List<float[]> vectors = model().embedAll(missing.stream().map(Embeddings::normalised).toList());
            for (int i = 0; i < missing.size(); i++) {
                memo.put(missing.get(i), vectors.get(i));
            }
        }
        List<float[]> out = new ArrayList<>(texts.size());
        texts.forEach(t -> out.add(memo.get(t)));
        return out;
    }

    public static List<Float> boxed(float[] vector) {
        List<Float> out = new ArrayList<>(vector.length);
        for (float f : vector) {
            out.add(f);
        }
        return out;
    }

    public static String modelId() {
        return MiniLmEmbedder.MODEL_ID;
    }

    private static String normalised(String text) {
        return EmbeddingText.normalise(text, true, dev.sluice.enrichment.EnrichmentConfig.DEFAULT_MAX_TEXT_CHARS).text();
    }

    private static MiniLmEmbedder model() {
        if (model == null) {
            Path state = Paths.get("target", "state-" + ProcessHandle.current().pid()).toAbsolutePath();
            model = new MiniLmEmbedder(state, 1, 2);
        }
        return model;
    }
}
