package dev.sluice.enrichment.embed;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps an embedder and counts model calls and texts, and keeps the message of every {@link EmbeddingException} it
 * passes on (what an operator would be shown); does not close the delegate (tests share one model).
 */
public final class CountingEmbedder implements Embedder {
    private final Embedder delegate;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger texts = new AtomicInteger();
    private volatile RuntimeException failWith;
    private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    public CountingEmbedder(Embedder delegate) {
        this.delegate = delegate;
    }

    public int calls() {
        return calls.get();
    }

    public int texts() {
        return texts.get();
    }

    /** Messages of the {@link EmbeddingException}s the delegate threw, in order. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    public void reset() {
        calls.set(0);
        texts.set(0);
    }

    /** Makes every following call throw {@code failure} (null to heal). */
    public void failWith(RuntimeException failure) {
        this.failWith = failure;
    }

    @Override
    public String modelId() {
        return delegate.modelId();
    }

    @Override
    public int dimensions() {
        return delegate.dimensions();
    }

    @Override
    public boolean caseInsensitive() {
        return delegate.caseInsensitive();
    }

    @Override
    public List<float[]> embedAll(List<String> batch) {
        calls.incrementAndGet();
        texts.addAndGet(batch.size());
        RuntimeException failure = failWith;
        if (failure != null) {
            throw failure;
        }
        try {
            return delegate.embedAll(batch);
        } catch (EmbeddingException e) {
            failures.add(e.getMessage());
            throw e;
        }
    }

    @Override
    public void close() {
        // the delegate is shared
    }
}
