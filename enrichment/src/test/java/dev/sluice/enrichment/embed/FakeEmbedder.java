package dev.sluice.enrichment.embed;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A deterministic stand-in model for unit tests: the vector of a text is derived from its bytes. */
public final class FakeEmbedder implements Embedder {
    public static final int DIMS = 8;

    @Override
    public String modelId() {
        return "fake-8";
    }

    @Override
    public int dimensions() {
        return DIMS;
    }

    @Override
    public boolean caseInsensitive() {
        return true;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(FakeEmbedder::vector).toList();
    }

    public static float[] vector(String text) {
        float[] v = new float[DIMS];
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            v[i % DIMS] += bytes[i];
        }
        v[0] += bytes.length;
        return v;
    }

    @Override
    public void close() {
    }
}
