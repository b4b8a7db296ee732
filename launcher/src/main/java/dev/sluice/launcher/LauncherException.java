package dev.sluice.launcher;

/**
 * An expected failure the user can act on (a dependency unreachable, a stage not found, topics that
 * disagree): the CLI prints its message, without a stack trace, and exits with {@link #exitCode()}.
 */
public class LauncherException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Exit code of a failure at run time (as opposed to usage or configuration errors). */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a dependency (Kafka, registry, Redis) that could not be reached. */
    public static final int EXIT_UNREACHABLE = 3;

    private final int exitCode;

    public LauncherException(String message) {
        this(message, EXIT_FAILURE, null);
    }

    public LauncherException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
