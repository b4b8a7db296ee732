package dev.sluice.enrichment.cache;

/** The cache backend did not answer (down, unreachable or slower than its timeout). Never carries keys or values. */
public final class CacheUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private CacheUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public static CacheUnavailableException of(String operation, String endpoint, Throwable cause) {
        String why = cause == null ? "no answer" : cause.getClass().getSimpleName();
        return new CacheUnavailableException("embedding cache " + endpoint + " unavailable during " + operation + " (" + why + ")", cause);
    }
}
