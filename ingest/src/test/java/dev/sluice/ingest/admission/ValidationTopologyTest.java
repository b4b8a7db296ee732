package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ValidationTopologyTest {
    private static final String SECRET_PROMPT = "my very private prompt text";
    private final AdmissionDriver admission = new AdmissionDriver();

    @AfterEach
    void close() {
        admission.close();
    }

    private RejectedRequest invalid(UnaryOperator<LlmRequest.Builder> change) {
        return invalid("pat", change.apply(AdmissionDriver.request("pat")
                .setMessages(List.of(new ChatMessage(Role.USER, SECRET_PROMPT)))).build());
    }

    private RejectedRequest invalid(String key, LlmRequest request) {
        admission.requests.pipeInput(key, request, T0);
        Object decision = admission.decision();
        assertThat(decision).isInstanceOf(RejectedRequest.class);
        RejectedRequest r = (RejectedRequest) decision;
        assertThat(r.getReason()).isEqualTo(RejectReason.INVALID);
        assertThat(r.toString()).doesNotContain(SECRET_PROMPT);
        assertThat(admission.state("pat").requestsToday()).as("INVALID consumes nothing").isZero();
        return r;
    }

    private static void assertRule(RejectedRequest r, String field, String rule) {
        assertThat(r.getField()).isEqualTo(field);
        assertThat(r.getRule()).isEqualTo(rule);
    }

    @Test
    void shouldRejectARequestIdThatIsNotAUuid() {
        RejectedRequest r = invalid(b -> b.setRequestId("req-1"));
        assertRule(r, "requestId", "must be a UUID");
        assertThat(r.getRequestId()).isEqualTo("req-1");
    }

    @Test
    void shouldRejectAUserIdOutsideTheSafePattern() {
        LlmRequest request = AdmissionDriver.request("bad user/1").build();
        assertRule(invalid("bad user/1", request), "userId", "must match [A-Za-z0-9._:@-]{1,128}");
    }

    @Test
    void shouldRejectARecordKeyThatDiffersFromTheUserId() {
        assertRule(invalid("someone-else", AdmissionDriver.request("pat").build()), "key", "record key must equal userId");
    }

    @Test
    void shouldRejectANullRecordKey() {
        assertRule(invalid(null, AdmissionDriver.request("pat").build()), "key", "record key must equal userId");
    }

    @Test
    void shouldRejectAModelOutsideTheAllowlist() {
        assertThat(invalid(b -> b.setModel("gpt-99")).getField()).isEqualTo("model");
    }

    @Test
    void shouldRejectARequestWithoutMessages() {
        assertRule(invalid(b -> b.setMessages(List.of())), "messages", "between 1 and 64 messages");
    }

    @Test
    void shouldRejectTooManyMessages() {
        assertRule(invalid(b -> b.setMessages(Collections.nCopies(65, new ChatMessage(Role.USER, "hi")))),
                "messages", "between 1 and 64 messages");
    }

    @Test
    void shouldRejectAMessageLongerThanTheLimitNamingIt() {
        RejectedRequest r = invalid(b -> b.setMessages(List.of(new ChatMessage(Role.SYSTEM, "be brief"),
                new ChatMessage(Role.USER, SECRET_PROMPT + "x".repeat(10_000)))));
        assertRule(r, "messages[1].content", "at most 10000 characters per message");
    }

    @Test
    void shouldRejectMessagesLongerThanTheTotalLimit() {
        assertRule(invalid(b -> b.setMessages(Collections.nCopies(6, new ChatMessage(Role.USER, "y".repeat(9_000))))),
                "messages", "at most 50000 characters over all messages");
    }

    @Test
    void shouldRejectMaxOutputTokensBelowOne() {
        assertRule(invalid(b -> b.setMaxOutputTokens(0)), "maxOutputTokens", "between 1 and 16384");
    }

    @Test
    void shouldRejectMaxOutputTokensAboveTheLimit() {
        assertRule(invalid(b -> b.setMaxOutputTokens(16_385)), "maxOutputTokens", "between 1 and 16384");
    }

    @Test
    void shouldRejectATemperatureOutOfRange() {
        assertRule(invalid(b -> b.setTemperature(2.5)), "temperature", "between 0 and 2.0");
    }

    @Test
    void shouldRejectARecordWithoutValue() {
        admission.requests.pipeInput("pat", null, T0);
        assertThat(admission.decision()).isInstanceOfSatisfying(RejectedRequest.class, r -> {
            assertThat(r.getReason()).isEqualTo(RejectReason.INVALID);
            assertRule(r, "value", "must not be null");
        });
    }

    @Test
    void shouldCountInvalidRejectionsByReason() {
        invalid(b -> b.setRequestId("x"));
        assertThat(admission.counter("sluice.ingest.rejected", "reason", "INVALID")).isEqualTo(1);
    }
}
