package dev.sluice.generation.resilience;

/**
 * A request's call failed for good: a non-retriable provider error, retries exhausted, or the breaker stayed open
 * past the deadline. {@link #errorClass()} is the stable dead-letter error class; the message is sanitised.
 */
public final class CallFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The breaker stayed open longer than the configured wait deadline. */
    public static final String BREAKER_OPEN = dev.sluice.common.DeadLetterError.BREAKER_OPEN.name();
    /** Every allowed attempt failed with a retriable error. */
    public static final String RETRIES_EXHAUSTED = dev.sluice.common.DeadLetterError.RETRIES_EXHAUSTED.name();

    private final String errorClass;
    private final int attempts;

    public CallFailedException(String errorClass, String sanitisedMessage, int attempts) {
        super(sanitisedMessage, null, false, false);
        this.errorClass = errorClass;
        this.attempts = attempts;
    }

    public String errorClass() {
        return errorClass;
    }

    /** Provider calls made for the request before giving up. */
    public int attempts() {
        return attempts;
    }
}
