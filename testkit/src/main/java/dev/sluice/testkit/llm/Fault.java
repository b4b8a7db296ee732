package dev.sluice.testkit.llm;

import java.time.Duration;

/**
 * What {@link MockLlmServer} does with one call instead of answering normally. Build with the static factories.
 *
 * @param kind              the behaviour
 * @param status            HTTP status for {@link Kind#STATUS} and {@link Kind#ECHO_SECRETS}
 * @param retryAfterSeconds value of a {@code Retry-After} header, or -1 for none
 * @param hang              how long {@link Kind#HANG} holds the call before answering 504
 * @param bodyBytes         size of the body {@link Kind#HUGE_BODY} sends ({@code Long.MAX_VALUE}: without end)
 */
public record Fault(Kind kind, int status, long retryAfterSeconds, Duration hang, long bodyBytes) {
    /** Behaviours. */
    public enum Kind {
        /** Answer normally. */
        NONE,
        /** An error status with a provider-shaped error body. */
        STATUS,
        /** Hold the call (a timeout on the client side), then 504. */
        HANG,
        /** HTTP 200 whose body is not JSON. */
        MALFORMED_JSON,
        /**
         * Read the whole request (it reached the provider, which may have billed it), then close the connection
         * without any response.
         */
        CONNECTION_RESET,
        /** An error whose body echoes the API key, the Authorization header and the request body (prompt). */
        ECHO_SECRETS,
        /** Status {@code status} with a body of {@code bodyBytes} bytes, sent chunked (no length announced up front). */
        HUGE_BODY,
        /** Answer normally, {@code hang} later than the others (a long generation). */
        SLOW
    }

    public static Fault none() {
        return new Fault(Kind.NONE, 200, -1, Duration.ZERO, 0);
    }

    public static Fault status(int status) {
        return new Fault(Kind.STATUS, status, -1, Duration.ZERO, 0);
    }

    /** e.g. {@code status(429, 1)}: rate limited, retry after one second. */
    public static Fault status(int status, long retryAfterSeconds) {
        return new Fault(Kind.STATUS, status, retryAfterSeconds, Duration.ZERO, 0);
    }

    public static Fault hang(Duration howLong) {
        return new Fault(Kind.HANG, 504, -1, howLong, 0);
    }

    public static Fault malformedJson() {
        return new Fault(Kind.MALFORMED_JSON, 200, -1, Duration.ZERO, 0);
    }

    public static Fault connectionReset() {
        return new Fault(Kind.CONNECTION_RESET, 0, -1, Duration.ZERO, 0);
    }

    /** An error body (status {@code status}) echoing the caller's credentials and prompt, as some servers do. */
    public static Fault echoSecrets(int status) {
        return new Fault(Kind.ECHO_SECRETS, status, -1, Duration.ZERO, 0);
    }

    /** A normal answer that takes {@code howLong} longer than the server's latency (a long generation). */
    public static Fault slow(Duration howLong) {
        return new Fault(Kind.SLOW, 200, -1, howLong, 0);
    }

    /** Status {@code status} with a {@code bytes}-byte body (a provider, or something in front of it, gone wrong). */
    public static Fault hugeBody(int status, long bytes) {
        return new Fault(Kind.HUGE_BODY, status, -1, Duration.ZERO, bytes);
    }
}
