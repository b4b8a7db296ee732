package dev.sluice.common.loop;

/** Stops a {@link TransactionalLoop}: continuing could publish twice or not at all. The cause says why. */
public final class FatalLoopException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FatalLoopException(String message, Throwable cause) {
        super(message, cause);
    }
}
