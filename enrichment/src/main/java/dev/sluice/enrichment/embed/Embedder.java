package dev.sluice.enrichment.embed;

import java.util.List;

/**
 * Turns texts into vectors. Implementations: {@link MiniLmEmbedder} (in-process, offline) and
 * {@link OpenAiEmbedder} (any OpenAI-compatible {@code /v1/embeddings} server).
 */
public interface Embedder extends AutoCloseable {
    /** Id of the model, part of every cache key (vectors of different models never mix). */
    String modelId();

    /** Length of every vector this embedder returns. */
    int dimensions();

    /** True when the model ignores letter case, so texts may be lowercased before hashing (more cache hits). */
    boolean caseInsensitive();

    /**
     * One vector per text, in order. Implementations split large lists into their own batches.
     *
     * @throws EmbeddingException when the model cannot embed (a transient failure: the caller retries the batch)
     */
    List<float[]> embedAll(List<String> texts);

    @Override
    void close();
}
