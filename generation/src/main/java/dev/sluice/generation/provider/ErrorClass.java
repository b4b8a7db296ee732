package dev.sluice.generation.provider;

/**
 * Stable classes of provider failures, as written to the {@code sluice.dlq.error.class} header.
 * {@code retriable} is true only where the provider cannot have billed (nothing was generated);
 * {@code countsForBreaker} says whether the failure tells something about the provider's health.
 */
public enum ErrorClass {
    /** Connection refused, reset or closed before any response: the request never ran. */
    CONNECT_FAILED(true, true),
    /** HTTP 429: rejected before any work; honour Retry-After. */
    RATE_LIMITED(true, true),
    /** HTTP 503 / 529: overloaded, rejected before any output. */
    OVERLOADED(true, true),
    /** This instance's own bulkhead or provider-wide rate limiter refused the call; nothing was sent. */
    THROTTLED_LOCALLY(true, false),
    /** Other 5xx: the provider may have done (and billed) the work, so no retry. */
    SERVER_ERROR(false, true),
    /** No answer within the time limit: the provider may still bill it, so no retry. */
    TIMEOUT(false, true),
    /** HTTP 200 with a body we cannot read (bad JSON, no choices, no usage). */
    MALFORMED_RESPONSE(false, true),
    /** HTTP 401 / 403: wrong or missing key; will not succeed on retry. */
    AUTH_FAILED(false, true),
    /** HTTP 400 / 404 / 413 / 422: the request itself is wrong. */
    INVALID_REQUEST(false, false),
    /** The provider refused the content (moderation, safety). */
    CONTENT_POLICY(false, false);

    private final boolean retriable;
    private final boolean countsForBreaker;

    ErrorClass(boolean retriable, boolean countsForBreaker) {
        this.retriable = retriable;
        this.countsForBreaker = countsForBreaker;
    }

    public boolean retriable() {
        return retriable;
    }

    public boolean countsForBreaker() {
        return countsForBreaker;
    }
}
