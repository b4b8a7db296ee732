package dev.sluice.gateway.http;

import java.util.Map;

/**
 * An error answered in OpenAI's shape, {@code {"error":{"message","type","param","code"}}}, so SDKs raise the
 * exception their users already handle. Messages never carry a key or prompt text.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Map<String, String> headers;

    private ApiError(int status, String type, String code, String param, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headers = Map.copyOf(headers);
    }

    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", "invalid_value", param, message, Map.of());
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", "invalid_api_key", null, message, Map.of());
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "invalid_request_error", "not_found", null, message, Map.of());
    }

    public static ApiError of(int status, String type, String code, String param, String message, Map<String, String> headers) {
        return new ApiError(status, type, code, param, message, headers);
    }

    public int status() { return status; }
    public String type() { return type; }
    public String param() { return param; }
    public String code() { return code; }
    public Map<String, String> headers() { return headers; }
}
