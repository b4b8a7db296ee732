package dev.sluice.generation.provider;

/**
 * Stable classes of provider failures, as written to the {@code sluice.dlq.error.class} header: each name is a
 * {@link dev.sluice.common.DeadLetterError} constant (ErrorClassTest checks it); this enum adds what the caller
 * needs to know about the failure.
 * {@code retriable} is true only where the provider cannot have billed (nothing was generated);
 * {@code countsForBreaker} says whether the failure tells something about the provider's health.
 */
public enum ErrorClass {
    /**
     * The request provably never reached the provider: connection refused, connect timeout, TLS handshake failure,
     * or the connection failed before the client had taken the whole request body.
     */
    CONNECT_FAILED(true, true),
    /** HTTP 429: rejected before any work; honour Retry-After. */
    RATE_LIMITED(true, true),
    /** HTTP 503 / 529: overloaded, rejected before any output. */
    OVERLOADED(true, true),
    /** This instance's own bulkhead or provider-wide rate limiter refused the call; nothing was sent. */
    THROTTLED_LOCALLY(true, false),
    /** Other 5xx: the provider may have done (and billed) the work, so no retry. */
    SERVER_ERROR(false, true),
    /**
     * The request was sent and then the connection was reset or closed, or no answer came within the time limit:
     * the provider may have run and billed it. Never retried automatically; dead-lettered with the reservation kept,
     * and {@code sluice dlq replay} asks for {@code --accept-repay} before sending it again.
     */
    OUTCOME_UNKNOWN(false, true),
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
