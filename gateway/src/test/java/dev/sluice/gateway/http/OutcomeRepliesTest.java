package dev.sluice.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import dev.sluice.gateway.Fixtures;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.schema.RejectReason;
import org.junit.jupiter.api.Test;

class OutcomeRepliesTest {
    static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    static String body(Reply r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldAnswerARateLimitWith429RetryAfterAndTheRateLimitHeaders() {
        Reply r = OutcomeReplies.reply(new Outcome.Rejected(Fixtures.rejected("u", "id-1", RejectReason.RATE_LIMITED, null,
                "requests per minute 10", 4_200L, AT)), false);

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.headers()).containsEntry("Retry-After", "5").containsEntry("retry-after-ms", "4200")
                .containsEntry("x-ratelimit-limit-requests", "10").containsEntry("x-ratelimit-remaining-requests", "0")
                .containsEntry("x-ratelimit-reset-requests", "5s").containsEntry("x-request-id", "id-1");
        assertThat(body(r)).contains("\"code\":\"rate_limit_exceeded\"").contains("\"type\":\"requests\"");
    }

    @Test
    void shouldNameTheTokenLimitInItsOwnHeaders() {
        Reply r = OutcomeReplies.reply(new Outcome.Rejected(Fixtures.rejected("u", "id", RejectReason.RATE_LIMITED, null,
                "tokens per minute 200000", 61_000L, AT)), false);
        assertThat(r.headers()).containsEntry("x-ratelimit-limit-tokens", "200000").containsEntry("x-ratelimit-reset-tokens", "1m1s");
    }

    @Test
    void shouldAnswerAnExhaustedBudgetAsInsufficientQuotaThatTheSdkDoesNotRetry() {
        Reply r = OutcomeReplies.reply(new Outcome.Rejected(Fixtures.rejected("u", "id", RejectReason.BUDGET_EXCEEDED, null, "r", null, AT)), false);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.headers()).containsEntry("x-should-retry", "false").doesNotContainKey("Retry-After");
        assertThat(body(r)).contains("\"code\":\"insufficient_quota\"");
    }

    @Test
    void shouldNameTheFieldOfAnInvalidRequestAsTheClientSentIt() {
        Reply r = OutcomeReplies.reply(new Outcome.Rejected(Fixtures.rejected("u", "id", RejectReason.INVALID, "maxOutputTokens", "r", null, AT)), false);
        assertThat(r.status()).isEqualTo(400);
        assertThat(body(r)).contains("\"param\":\"max_completion_tokens\"");
    }

    @Test
    void shouldAnswerADeadLetterWith503AndRetryAfterButARefusalWith400() {
        Reply outage = OutcomeReplies.reply(new Outcome.DeadLettered("u", "id", "generation", "BREAKER_OPEN_DEADLINE", "m"), false);
        Reply refusal = OutcomeReplies.reply(new Outcome.DeadLettered("u", "id", "generation", "CONTENT_POLICY", "m"), false);
        assertThat(outage.status()).isEqualTo(503);
        assertThat(outage.headers()).containsEntry("Retry-After", "30");
        assertThat(refusal.status()).isEqualTo(400);
    }

    @Test
    void shouldAnswerATimeoutWith504CarryingTheRequestIdAndWhereToFetchIt() {
        Reply r = OutcomeReplies.timeout("id-9", Duration.ofSeconds(2), false);
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.headers()).containsEntry("x-request-id", "id-9").containsEntry("x-should-retry", "false");
        assertThat(body(r)).contains("/v1/sluice/requests/id-9");
    }

    @Test
    void shouldRenderACompletionWithUsage() {
        Reply r = OutcomeReplies.reply(new Outcome.Completed(Fixtures.result("u", "id-2", "hi")), false);
        assertThat(r.status()).isEqualTo(200);
        assertThat(body(r)).contains("\"id\":\"chatcmpl-id-2\"").contains("\"object\":\"chat.completion\"")
                .contains("\"total_tokens\":17").contains("\"finish_reason\":\"stop\"");
    }

    @Test
    void shouldStreamTheResultAsChunksThenUsageThenDone() {
        Reply r = OutcomeReplies.reply(new Outcome.Completed(Fixtures.result("u", "id-3", "hello")), true);
        String sse = body(r);
        assertThat(r.headers()).containsEntry("Content-Type", "text/event-stream");
        assertThat(sse.split("\n\n")).hasSize(4);
        assertThat(sse).contains("\"content\":\"hello\"").contains("\"usage\":{").endsWith("data: [DONE]\n\n");
    }
}
