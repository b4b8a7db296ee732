package dev.sluice.enrichment.embed;

import dev.sluice.common.SafeMessage;

/**
 * An embedder failed for a whole batch. {@link #retriable()} separates outages (model error, HTTP 5xx, 429,
 * timeouts: retry the batch later) from inputs the provider refuses (HTTP 4xx: isolate the record that causes it).
 * Never carries the texts (its message is composed of the model id, the host, counts and statuses), so the loop's
 * log line and the stage's health show it ({@link SafeMessage}).
 */
public final class EmbeddingException extends RuntimeException implements SafeMessage {
    private static final long serialVersionUID = 1L;
    private final boolean retriable;

    private EmbeddingException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** A transient failure: the same batch may well succeed later. */
    public static EmbeddingException of(String modelId, String what, Throwable cause) {
        return new EmbeddingException("embedding model " + modelId + " failed: " + what, cause, true);
    }

    /** The provider refused the input itself; retrying the same texts will fail again. */
    public static EmbeddingException rejected(String modelId, String what) {
        return new EmbeddingException("embedding model " + modelId + " refused the input: " + what, null, false);
    }

    public boolean retriable() {
        return retriable;
    }
}
