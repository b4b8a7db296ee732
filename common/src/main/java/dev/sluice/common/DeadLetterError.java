package dev.sluice.common;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every error class a dead letter on {@code llm.dlq} can carry in its {@code sluice.dlq.error.class} header: one
 * name per failure, whichever stage hit it. Ingest, enrichment and generation write these names; the dead-letter
 * tools ({@code sluice dlq}) read them through {@link DeadLetterHeaders#describe}, which maps the names older
 * versions wrote ({@link #legacyNames()}) to the current one, so letters already on the topic list, filter and
 * replay under the new names. docs/topics.md lists them (DeadLetterErrorTest keeps the list complete).
 */
public enum DeadLetterError {
    /** The value's bytes are not a record of the topic's schema; the message names the wire-format rule broken. */
    UNDECODABLE("DESERIALIZATION", "WireFormatException", "SerializationException", "UNDECODABLE_*"),
    /** The record has no value (a tombstone). */
    EMPTY_VALUE("UNDECODABLE_NULL"),
    /** The embedding provider refused this record's text (enrichment). */
    EMBEDDING_REJECTED,
    /** The stage's output for this record would exceed the producer's {@code max.request.size}. */
    OUTPUT_TOO_LARGE("RECORD_TOO_LARGE"),
    /** The requested model has no price, so it is never called (generation). */
    UNPRICED_MODEL,
    /** An unexpected failure inside the stage. */
    INTERNAL_ERROR,
    /** The request provably never reached the provider (connection refused, connect or TLS failure). */
    CONNECT_FAILED,
    /** HTTP 429 from the provider. */
    RATE_LIMITED,
    /** HTTP 503 / 529 from the provider: overloaded. */
    OVERLOADED,
    /** This instance's own bulkhead or rate limiter refused the call; nothing was sent. */
    THROTTLED_LOCALLY,
    /** Another 5xx: the provider may have done, and billed, the work. */
    SERVER_ERROR,
    /** Sent, then reset or timed out: the provider may have run and billed it. Replay asks for {@code --accept-repay}. */
    OUTCOME_UNKNOWN("TIMEOUT"),
    /** HTTP 200 with a body that cannot be read: produced and billed, unusable. */
    MALFORMED_RESPONSE,
    /** HTTP 401 / 403: wrong or missing provider key. */
    AUTH_FAILED,
    /** HTTP 400 / 404 / 413 / 422: the request itself is wrong. */
    INVALID_REQUEST,
    /** The provider refused the content (moderation, safety). */
    CONTENT_POLICY,
    /** Every allowed attempt failed with a retriable error. */
    RETRIES_EXHAUSTED,
    /** The circuit breaker stayed open past the configured wait deadline. */
    BREAKER_OPEN("BREAKER_OPEN_DEADLINE"),
    /** A letter without any error class header (none of ours writes this). */
    UNKNOWN;

    private final List<String> legacy;

    DeadLetterError(String... legacy) {
        this.legacy = List.of(legacy);
    }

    /** Header values earlier versions wrote for this class; a trailing {@code *} matches any suffix. */
    public List<String> legacyNames() {
        return legacy;
    }

    /** The class a header value names, current or legacy (case-insensitive); empty for a value no version wrote. */
    public static Optional<DeadLetterError> parse(String headerValue) {
        if (headerValue == null) {
            return Optional.empty();
        }
        String v = headerValue.trim();
        Optional<DeadLetterError> exact = Arrays.stream(values())
                .filter(e -> e.name().equalsIgnoreCase(v) || e.legacy.stream().anyMatch(v::equalsIgnoreCase))
                .findFirst();
        return exact.or(() -> Arrays.stream(values()) // exact names first: UNDECODABLE_NULL is EMPTY_VALUE, not UNDECODABLE_*
                .filter(e -> e.legacy.stream().anyMatch(l -> l.endsWith("*") && startsWith(v, l.substring(0, l.length() - 1))))
                .findFirst());
    }

    /** The current name for a header value, or the value unchanged when no version of Sluice wrote it. */
    public static String canonical(String headerValue) {
        return parse(headerValue).map(Enum::name).orElse(headerValue);
    }

    private static boolean startsWith(String value, String prefix) {
        return value.toUpperCase(Locale.ROOT).startsWith(prefix.toUpperCase(Locale.ROOT));
    }
}
