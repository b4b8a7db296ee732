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

class RateLimitTopologyTest {
    // PRO: 10 requests/min and 999/day, so the daily quota stays out of the way.
    private final AdmissionDriver admission = new AdmissionDriver(Map.of("default.tier", "PRO"));

    @AfterEach
    void close() {
        admission.close();
    }

    @Test
    void shouldRejectEleventhRequestInMinuteWithRetryAfterWhenTheOldestLeavesTheWindow() {
        for (int i = 0; i < 10; i++) {
            assertThat(admission.send("alice", T0.plusSeconds(i))).isInstanceOf(AdmittedRequest.class);
        }
        LlmRequest eleventh = AdmissionDriver.request("alice").build();

        Object decision = admission.send(eleventh, T0.plusSeconds(30));

        assertThat(decision).isInstanceOfSatisfying(RejectedRequest.class, r -> {
            assertThat(r.getReason()).isEqualTo(RejectReason.RATE_LIMITED);
            assertThat(r.getRule()).isEqualTo("requests per minute 10");
            assertThat(r.getRetryAfterMs()).isEqualTo(30_000L); // the first one (T0) leaves at T0 + 60 s
        });
        assertThat(admission.send(eleventh, T0.plusSeconds(30).plusMillis(29_999))).isInstanceOf(RejectedRequest.class);
        assertThat(admission.send(eleventh, T0.plusSeconds(60))).as("the same request at retryAfter")
                .isInstanceOf(AdmittedRequest.class);
    }

    @Test
    void shouldSlideTheWindowInsteadOfResettingAtMinuteBoundaries() {
        // Ten requests in the last ten seconds of a clock minute ...
        for (int i = 0; i < 10; i++) {
            assertThat(admission.send("bob", T0.plusSeconds(50 + i))).isInstanceOf(AdmittedRequest.class);
        }
        // ... still count five seconds into the next one, where a fixed bucket would have reset.
        Object early = admission.send("bob", T0.plusSeconds(65));
        assertThat(early).isInstanceOfSatisfying(RejectedRequest.class,
                r -> assertThat(r.getRetryAfterMs()).isEqualTo(45_000L));
        // One slot frees up per second as the window slides past each earlier admission.
        assertThat(admission.send("bob", T0.plusSeconds(110))).isInstanceOf(AdmittedRequest.class);
        assertThat(admission.send("bob", T0.plusSeconds(110).plusMillis(500))).isInstanceOfSatisfying(RejectedRequest.class,
                r -> assertThat(r.getRetryAfterMs()).isEqualTo(500L));
        assertThat(admission.send("bob", T0.plusSeconds(111))).isInstanceOf(AdmittedRequest.class);
    }

    @Test
    void shouldRejectOnEstimatedTokensPerMinuteWithRetryAfterWhenEnoughTokensLeft() {
        admission.policy("carol", AdmissionDriver.tier("PRO").setTokensPerMinute(1_000L), T0);
        // Each request: 100 output tokens + 8 + 8 + 28 bytes of content = 144 estimated tokens.
        for (int i = 0; i < 6; i++) {
            assertThat(admission.send("carol", T0.plusSeconds(i))).isInstanceOf(AdmittedRequest.class);
        }
        Object seventh = admission.send("carol", T0.plusSeconds(10));
        assertThat(seventh).isInstanceOfSatisfying(RejectedRequest.class, r -> {
            assertThat(r.getReason()).isEqualTo(RejectReason.RATE_LIMITED);
            assertThat(r.getRule()).isEqualTo("estimated tokens per minute 1000");
            assertThat(r.getRetryAfterMs()).isEqualTo(50_000L); // 6 x 144 + 144 > 1000 until the first leaves
        });
    }

    @Test
    void shouldNotCountRejectedRequestsAgainstTheWindow() {
        for (int i = 0; i < 10; i++) {
            admission.send("dave", T0.plusMillis(i));
        }
        for (int i = 0; i < 50; i++) {
            assertThat(admission.send("dave", T0.plusSeconds(1 + i))).isInstanceOf(RejectedRequest.class);
        }
        assertThat(admission.send("dave", T0.plus(Duration.ofSeconds(60)))).isInstanceOf(AdmittedRequest.class);
        assertThat(admission.counter("sluice.ingest.rejected", "reason", "RATE_LIMITED")).isEqualTo(50);
        assertThat(admission.counter("sluice.ingest.admitted")).isEqualTo(11);
    }
}
