package dev.sluice.gateway.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.schema.RejectedRequest;

/**
 * Maps a pipeline outcome to what OpenAI clients understand: limits are 429s with {@code Retry-After} and the
 * {@code x-ratelimit-*} headers, a budget is {@code insufficient_quota}, invalid input is a 400 naming the field,
 * an outage or dead letter is a 503. {@code x-should-retry} tells the official SDKs when their automatic retry
 * is pointless (a budget or an invalid request does not change by retrying).
 */
public final class OutcomeReplies {
    /** "requests per minute 10", "requests per UTC day 10", "tokens per minute 200000": the limit's number. */
    private static final Pattern LIMIT = Pattern.compile("^(requests|tokens) per .*?(\\d+)$");
    /** Seconds a client should wait after a dead letter before trying again. */
    static final long DEAD_LETTER_RETRY_AFTER_SECONDS = 30;

    private OutcomeReplies() {}

    public static Reply reply(Outcome outcome, boolean stream) {
        if (outcome instanceof Outcome.Completed c) {
            return stream ? Completions.stream(c.result()) : Completions.reply(c.result());
        }
        if (outcome instanceof Outcome.Rejected r) {
            return Reply.error(rejected(r.rejection())).withHeader("x-request-id", r.requestId());
        }
        Outcome.DeadLettered d = (Outcome.DeadLettered) outcome;
        return Reply.error(deadLettered(d)).withHeader("x-request-id", d.requestId());
    }

    static ApiError rejected(RejectedRequest r) {
        String detail = r.getDetail();
        return switch (r.getReason()) {
            case RATE_LIMITED, QUOTA_EXCEEDED -> ApiError.of(429, "requests", "rate_limit_exceeded", null,
                    "rate limit reached: " + detail, rateLimitHeaders(r));
            case GLOBAL_BUDGET_EXCEEDED -> ApiError.of(429, "requests", "global_budget_exceeded", null,
                    "platform spend ceiling reached: " + detail, rateLimitHeaders(r));
            case BUDGET_EXCEEDED -> ApiError.of(429, "insufficient_quota", "insufficient_quota", null,
                    "budget exceeded: " + detail, Map.of("x-should-retry", "false"));
            case REQUEST_TOO_EXPENSIVE -> ApiError.of(400, "invalid_request_error", "request_too_expensive", "max_completion_tokens",
                    "request too expensive: " + detail, Map.of("x-should-retry", "false"));
            case INVALID -> ApiError.of(400, "invalid_request_error", "invalid_value", param(r.getField()),
                    "invalid request: " + detail, Map.of("x-should-retry", "false"));
            case DUPLICATE -> ApiError.of(409, "invalid_request_error", "duplicate_request", "Idempotency-Key",
                    "a request with this Idempotency-Key was already accepted and its result is no longer held by this gateway",
                    Map.of("x-should-retry", "false"));
            default -> ApiError.of(500, "server_error", "unknown_rejection", null, "rejected: " + detail, Map.of());
        };
    }

    /** Pipeline field names back to the request's: the client never saw {@code maxOutputTokens}. */
    static String param(String field) {
        if (field == null) {
            return null;
        }
        return switch (field) {
            case "maxOutputTokens" -> "max_completion_tokens";
            case "requestId" -> "Idempotency-Key";
            default -> field;
        };
    }

    static Map<String, String> rateLimitHeaders(RejectedRequest r) {
        Map<String, String> h = new LinkedHashMap<>();
        if (r.getRetryAfterMs() != null) {
            long ms = Math.max(0, r.getRetryAfterMs());
            h.put("Retry-After", Long.toString((ms + 999) / 1000));
            h.put("retry-after-ms", Long.toString(ms));
        }
        Matcher m = r.getRule() == null ? null : LIMIT.matcher(r.getRule());
        if (m != null && m.matches()) {
            String unit = m.group(1);
            h.put("x-ratelimit-limit-" + unit, m.group(2));
            h.put("x-ratelimit-remaining-" + unit, "0");
            if (r.getRetryAfterMs() != null) {
                h.put("x-ratelimit-reset-" + unit, resetFormat(Duration.ofMillis(Math.max(0, r.getRetryAfterMs()))));
            }
        }
        return h;
    }

    /** OpenAI's reset format: {@code 1s}, {@code 6m0s}, {@code 2h3m4s}; sub-second as {@code 250ms}. */
    static String resetFormat(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        long s = (d.toMillis() + 999) / 1000;
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return (h > 0 ? h + "h" : "") + (h > 0 || m > 0 ? m + "m" : "") + sec + "s";
    }

    static ApiError deadLettered(Outcome.DeadLettered d) {
        if (d.errorClass().equals("INVALID_REQUEST") || d.errorClass().equals("CONTENT_POLICY")) {
            return ApiError.of(400, "invalid_request_error", d.errorClass().toLowerCase(java.util.Locale.ROOT), null,
                    "the provider refused the request (" + d.errorClass() + ")", Map.of("x-should-retry", "false"));
        }
        return ApiError.of(503, "server_error", "provider_unavailable", null,
                "the provider could not answer (" + d.errorClass() + " in " + d.stage() + "); the request is held as a dead letter "
                        + "and may be replayed, so retry with the same Idempotency-Key",
                Map.of("Retry-After", Long.toString(DEAD_LETTER_RETRY_AFTER_SECONDS)));
    }

    /** No outcome in time: the request goes on in the pipeline and its answer can be fetched later. */
    public static Reply timeout(String requestId, Duration waited, boolean retrySafe) {
        ApiError e = ApiError.of(504, "timeout", "outcome_timeout", null, "no outcome within " + waited.toMillis()
                + " ms; request " + requestId + " continues in the pipeline (exactly once); fetch its result with GET /v1/sluice/requests/"
                + requestId + " using the same API key", retrySafe ? Map.of() : Map.of("x-should-retry", "false"));
        return Reply.error(e).withHeader("x-request-id", requestId);
    }
}
