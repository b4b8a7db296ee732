package dev.sluice.ingest;

import static dev.sluice.ingest.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(state.countInWindow(T0.plusSeconds(1).toEpochMilli())).isEqualTo(1);
        // FREE allows 10 per minute and per day: nine more distinct requests still fit.
        for (int i = 0; i < 9; i++) {
            assertThat(admission.send("ivy", T0.plusSeconds(1 + i))).isInstanceOf(AdmittedRequest.class);
        }
    }

    @Test
    void shouldAdmitTheSameRequestIdAgainAfterTheHorizon() {
        LlmRequest request = AdmissionDriver.request("jack").build();
        assertThat(admission.send(request, T0)).isInstanceOf(AdmittedRequest.class);
        assertThat(admission.send(request, T0.plusSeconds(3599))).isInstanceOf(RejectedRequest.class);
        assertThat(admission.send(request, T0.plusSeconds(3600))).isInstanceOf(AdmittedRequest.class);
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
}
