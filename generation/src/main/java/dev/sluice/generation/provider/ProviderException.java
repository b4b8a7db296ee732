package dev.sluice.generation.provider;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider call failed. The message is sanitised when the exception is built (no key, bearer token or prompt
 * text), so it is safe to log and to put in a dead letter. No stack trace: these are expected, frequent events.
 */
public final class ProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorClass errorClass;
    private final int status;
    private final transient Duration retryAfter;

    public ProviderException(ErrorClass errorClass, int status, Duration retryAfter, String sanitisedMessage) {
        super(sanitisedMessage, null, false, false);
        this.errorClass = errorClass;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public static ProviderException of(ErrorClass errorClass, String sanitisedMessage) {
        return new ProviderException(errorClass, 0, null, sanitisedMessage);
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    /** HTTP status, 0 when there was no response. */
    public int status() {
        return status;
    }

    /** What the provider asked us to wait (Retry-After / retry-after-ms), if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The ProviderException behind {@code t}, unwrapping CompletionException and friends. */
    public static Optional<ProviderException> find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProviderException pe) {
                return Optional.of(pe);
            }
        }
        return Optional.empty();
    }
}
