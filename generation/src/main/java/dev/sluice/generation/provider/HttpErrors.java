package dev.sluice.generation.provider;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import org.apache.hc.client5.http.ConnectTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.common.Sanitizer;

/**
 * Turns raw HTTP outcomes into {@link ProviderException}s: status code to {@link ErrorClass}, Retry-After to a
 * duration, and the provider's error body to a sanitised message. Anthropic and OpenAI-compatible servers share
 * these conventions (Anthropic adds 529 overloaded).
 */
public final class HttpErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpErrors() {}

    /** Classifies a non-2xx answer. */
    public static ProviderException fromStatus(String provider, int status, Function<String, Optional<String>> headers, String body,
                                               List<String> secrets, List<String> prompts, Clock clock) {
        ErrorClass errorClass = classify(status, body);
        String detail = Sanitizer.sanitize(errorMessageOf(body), secrets, scrubForms(prompts));
        return new ProviderException(errorClass, status, retryAfter(headers, clock).orElse(null),
                "HTTP " + status + " from " + provider + ": " + detail);
    }

    static ErrorClass classify(int status, String body) {
        if (status == 429) return ErrorClass.RATE_LIMITED;
        if (status == 503 || status == 529) return ErrorClass.OVERLOADED;
        if (status == 401 || status == 403) return ErrorClass.AUTH_FAILED;
        if (status >= 500) return ErrorClass.SERVER_ERROR;
        String lower = body == null ? "" : body.toLowerCase(Locale.ROOT);
        if (lower.contains("content_policy") || lower.contains("content_filter") || lower.contains("safety")) {
            return ErrorClass.CONTENT_POLICY;
        }
        return ErrorClass.INVALID_REQUEST;
    }

    /**
     * A transport failure. Only what provably never reached the provider is {@link ErrorClass#CONNECT_FAILED}
     * (retriable): no connection, no TLS session, or a failure before the client took the whole request body (a
     * server cannot run a request it has not fully received). Anything later (reset, EOF, timeout after the body
     * was handed over) is {@link ErrorClass#OUTCOME_UNKNOWN}: the provider may have billed it.
     */
    public static ProviderException fromTransport(String provider, Throwable failure, boolean bodyHandedOver) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ProviderException pe) {
            return pe;
        }
        if (neverConnected(t)) {
            return ProviderException.of(ErrorClass.CONNECT_FAILED, provider + ": could not connect (" + t.getClass().getSimpleName() + ")");
        }
        if (!bodyHandedOver) { // an I/O failure, or the client refusing the call (e.g. closed): the provider has no whole request
            return ProviderException.of(ErrorClass.CONNECT_FAILED, provider + ": call failed before the request was sent ("
                    + t.getClass().getSimpleName() + ")");
        }
        if (t instanceof SocketTimeoutException) { // the client's response timeout
            return ProviderException.of(ErrorClass.OUTCOME_UNKNOWN, provider + ": no response within the request timeout "
                    + "after the request was sent; it may have been billed");
        }
        if (t instanceof IOException) {
            return ProviderException.of(ErrorClass.OUTCOME_UNKNOWN, provider + ": connection lost after the request was sent ("
                    + t.getClass().getSimpleName() + "); it may have been billed");
        }
        return ProviderException.of(ErrorClass.SERVER_ERROR, provider + ": call failed (" + t.getClass().getSimpleName() + ")");
    }

    private static boolean neverConnected(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof ConnectTimeoutException || c instanceof ConnectException
                    || c instanceof javax.net.ssl.SSLHandshakeException || c instanceof java.nio.channels.UnresolvedAddressException
                    || c instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Retry-After in seconds or as an HTTP date, or the OpenAI-style {@code retry-after-ms}; {@code headers} gives a
     * response header's first value by its name.
     */
    public static Optional<Duration> retryAfter(Function<String, Optional<String>> headers, Clock clock) {
        Optional<String> millis = headers.apply("retry-after-ms");
        if (millis.isPresent()) {
            try {
                return Optional.of(Duration.ofMillis(Math.max(0, (long) Double.parseDouble(millis.get().trim()))));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        Optional<String> value = headers.apply("retry-after");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String v = value.get().trim();
        try {
            return Optional.of(Duration.ofMillis(Math.max(0, (long) (Double.parseDouble(v) * 1000))));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (RuntimeException unparsable) {
                return Optional.empty();
            }
        }
    }

    /** The error message field of an OpenAI or Anthropic error body, else the body itself. */
    static String errorMessageOf(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode error = node.path("error");
            String type = error.path("type").asText("");
            String message = error.path("message").asText("");
            if (!message.isEmpty()) {
                return type.isEmpty() ? message : type + ": " + message;
            }
        } catch (IOException | RuntimeException notJson) {
            // not JSON: use the raw body, sanitised by the caller
        }
        return body;
    }

    /**
     * The forms in which prompt text can come back from a provider: raw, and JSON-escaped (an error body that
     * echoes the request quotes it), so the sanitiser removes both.
     */
    public static List<String> scrubForms(List<String> prompts) {
        List<String> forms = new ArrayList<>(prompts.size() * 4);
        for (String p : prompts) {
            forms.add(p);
            forms.add(escaped(p));
            for (String line : p.split("\\R")) {
                if (line.strip().length() >= 12) { // as the sanitiser does: shorter lines are too common to redact
                    forms.add(escaped(line.strip()));
                }
            }
        }
        // longest first: replacing a fragment first would break the match of the whole
        return forms.stream().distinct().sorted(java.util.Comparator.comparingInt(String::length).reversed()).toList();
    }

    private static String escaped(String text) {
        try {
            String quoted = JSON.writeValueAsString(text);
            return quoted.substring(1, quoted.length() - 1);
        } catch (IOException e) {
            return text; // cannot happen for a String
        }
    }
}
