package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DedupeTopologyTest {
    private final AdmissionDriver admission = new AdmissionDriver(Map.of("ingest.dedupe.horizon.ms", "3600000"));

    @AfterEach
    void close() {
        admission.close();
    }

    @Test
    void shouldRejectDuplicatesWithoutConsumingQuotaOrRate() {
        LlmRequest first = AdmissionDriver.request("ivy").build();
        assertThat(admission.send(first, T0)).isInstanceOf(AdmittedRequest.class);
        for (int i = 1; i <= 20; i++) {
            assertThat(admission.send(first, T0.plusMillis(i))).isInstanceOfSatisfying(RejectedRequest.class, r -> {
                assertThat(r.getReason()).isEqualTo(RejectReason.DUPLICATE);
                assertThat(r.getField()).isEqualTo("requestId");
            });
        }
        UserState state = admission.state("ivy");
        assertThat(state.requestsToday()).isEqualTo(1);
        assertThat(state.countInWindow(T0.plusSeconds(1).toEpochMilli(), new MapChunks())).isEqualTo(1);
        // FREE allows 10 per minute and per day: nine more distinct requests still fit.
        for (int i = 0; i < 9; i++) {
            assertThat(admission.send("ivy", T0.plusSeconds(1 + i))).isInstanceOf(AdmittedRequest.class);
        }
    }

    @Test
    void shouldAdmitTheSameRequestIdAgainAfterTheHorizonOnceItsCostEndedTheReservation() {
        LlmRequest request = AdmissionDriver.request("jack").build();
        assertThat(admission.send(request, T0)).isInstanceOf(AdmittedRequest.class);
        admission.cost("jack", request.getRequestId(), 10, T0.plusSeconds(1));
        assertThat(admission.send(request, T0.plusSeconds(3600))).isInstanceOf(RejectedRequest.class);
        assertThat(admission.send(request, T0.plusSeconds(3601))).isInstanceOf(AdmittedRequest.class);
    }

    @Test
    void shouldAdmitTheRetryOfARejectedRequest() {
        for (int i = 0; i < 10; i++) {
            admission.send("kim", T0.plusMillis(i));
        }
        LlmRequest retried = AdmissionDriver.request("kim").build();
        assertThat(admission.send(retried, T0.plusSeconds(1))).isInstanceOf(RejectedRequest.class);
        assertThat(admission.send(retried, T0.plusSeconds(2))).as("not DUPLICATE: only admitted ids are remembered")
                .isInstanceOfSatisfying(RejectedRequest.class, r -> assertThat(r.getReason()).isEqualTo(RejectReason.RATE_LIMITED));
    }

    @Test
    void shouldRejectADuplicateWhenItsCostWasAlreadySettled() {
        LlmRequest request = AdmissionDriver.request("lou").build();
        assertThat(admission.send(request, T0)).isInstanceOf(AdmittedRequest.class);
        admission.cost("lou", request.getRequestId(), 10, T0.plusSeconds(5));
        assertThat(admission.send(request, T0.plusSeconds(10))).isInstanceOfSatisfying(RejectedRequest.class,
                r -> assertThat(r.getReason()).isEqualTo(RejectReason.DUPLICATE));
        assertThat(admission.state("lou").spentMicros()).isEqualTo(10);
    }

    @Test
    void shouldNotRejectAnotherUsersRequestWithTheSameRequestId() {
        LlmRequest mine = AdmissionDriver.request("max").build();
        LlmRequest theirs = AdmissionDriver.request("mia").setRequestId(mine.getRequestId()).build();
        assertThat(admission.send(mine, T0)).isInstanceOf(AdmittedRequest.class);
        assertThat(admission.send(theirs, T0.plusSeconds(1))).as("dedupe is per user").isInstanceOf(AdmittedRequest.class);
    }

    @Test
    void shouldDeleteSettledEntriesAfterTheHorizonButKeepAHeldReservationForever() {
        LlmRequest settled = AdmissionDriver.request("ned").build();
        LlmRequest unsettled = AdmissionDriver.request("ned").build();
        admission.send(settled, T0);
        admission.cost("ned", settled.getRequestId(), 1_000, T0.plusSeconds(1));
        admission.send(unsettled, T0.plusSeconds(2)); // no cost event yet: its reservation stays held
        assertThat(admission.requestEntries("ned")).hasSize(2);

        admission.send("ned", T0.plusSeconds(3600 + 2)); // the settled one is past the 1 h horizon
        assertThat(admission.requestEntries("ned")).hasSize(2).doesNotContain("ned|" + settled.getRequestId());
        admission.send("ned", T0.plus(Duration.ofDays(3)));
        assertThat(admission.requestEntries("ned")).contains("ned|" + unsettled.getRequestId());
        assertThat(admission.send(unsettled, T0.plus(Duration.ofDays(3)).plusSeconds(1))).as("still held, so still a duplicate")
                .isInstanceOfSatisfying(RejectedRequest.class, r -> assertThat(r.getReason()).isEqualTo(RejectReason.DUPLICATE));
    }

    @Test
    void shouldRejectAResendAfterTheHorizonWhileTheFirstReservationIsStillHeld() {
        LlmRequest request = AdmissionDriver.request("ora").build();
        AdmittedRequest first = (AdmittedRequest) admission.send(request, T0);
        Object again = admission.send(request, T0.plusSeconds(3601)); // past the 1 h horizon, but never charged nor released
        assertThat(again).isInstanceOfSatisfying(RejectedRequest.class, r -> assertThat(r.getReason()).isEqualTo(RejectReason.DUPLICATE));
        assertThat(admission.state("ora").reservedMicros()).isEqualTo(first.getReservedMicros());
    }
}
