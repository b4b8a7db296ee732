package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.sluice.common.ReplyHeaders;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A caller's reply address ({@link ReplyHeaders#REPLY_TO}) goes on whatever admission writes for its request. */
class ReplyHeaderTopologyTest {
    private final AdmissionDriver admission = new AdmissionDriver(Map.of());

    @AfterEach
    void close() {
        admission.close();
    }

    private void send(LlmRequest request, String replyTo) {
        Headers headers = new RecordHeaders().add(ReplyHeaders.REPLY_TO, replyTo.getBytes(StandardCharsets.UTF_8))
                .add("some.other.header", new byte[] {1});
        admission.requests.pipeInput(new TestRecord<>(request.getUserId(), request, headers, T0));
    }

    private static String replyTo(Headers headers) {
        return new String(headers.lastHeader(ReplyHeaders.REPLY_TO).value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldCarryTheReplyHeaderOntoTheAdmittedRecordAndOnlyThatHeader() {
        send(AdmissionDriver.request("nia").build(), "7");

        List<TestRecord<String, dev.sluice.schema.AdmittedRequest>> admitted = admission.admitted.readRecordsToList();
        assertThat(admitted).singleElement().satisfies(r -> {
            assertThat(replyTo(r.headers())).isEqualTo("7");
            assertThat(r.headers().lastHeader("some.other.header")).isNull();
        });
    }

    @Test
    void shouldCarryTheReplyHeaderOntoRejectionsOfEveryKind() {
        LlmRequest request = AdmissionDriver.request("oli").build();
        send(request, "3");
        admission.admitted.readRecordsToList();
        send(request, "4"); // DUPLICATE
        send(AdmissionDriver.request("oli").setModel("no-such-model").build(), "5"); // INVALID

        var rejected = admission.rejected.readRecordsToList();
        assertThat(rejected).hasSize(2);
        assertThat(rejected.get(0).value().getReason()).isEqualTo(RejectReason.DUPLICATE);
        assertThat(replyTo(rejected.get(0).headers())).isEqualTo("4");
        assertThat(rejected.get(1).value().getReason()).isEqualTo(RejectReason.INVALID);
        assertThat(replyTo(rejected.get(1).headers())).isEqualTo("5");
    }

    @Test
    void shouldWriteNoReplyHeaderWhenTheRequestHadNone() {
        admission.send("pat", T0);
        admission.requests.pipeInput(AdmissionDriver.request("pat").setModel("no-such-model").build().getUserId(),
                AdmissionDriver.request("pat").setModel("no-such-model").build(), T0);

        assertThat(admission.rejected.readRecordsToList()).singleElement()
                .satisfies(r -> assertThat(r.headers().lastHeader(ReplyHeaders.REPLY_TO)).isNull());
    }
}
