package dev.sluice.contracts.registry;

/** A schema registry call failed; carries the HTTP status (0 when the registry could not be reached). */
public final class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    private SchemaRegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    static SchemaRegistryException unreachable(String baseUrl, Throwable cause) {
        return new SchemaRegistryException("schema registry at " + baseUrl + " is unreachable: " + cause.getMessage(), 0, cause);
    }

    static SchemaRegistryException failed(String operation, int status, String body) {
        String shortBody = body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "…" : body;
        return new SchemaRegistryException("schema registry " + operation + " failed with HTTP " + status + ": " + shortBody, status, null);
    }

    static SchemaRegistryException unknownSchemaId(int id) {
        return new SchemaRegistryException("schema id " + id + " is not known to the registry", 404, null);
    }

    /** HTTP status of the failed call, 0 if the registry was not reached. */
    public int status() {
        return status;
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
