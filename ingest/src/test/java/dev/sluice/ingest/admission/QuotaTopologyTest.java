package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QuotaTopologyTest {
    private final AdmissionDriver admission = new AdmissionDriver();

    @AfterEach
    void close() {
        admission.close();
    }

    /** Ten FREE requests a minute apart, so only the daily quota can bite. */
    private void useUpFreeQuota(String user, Instant from) {
        for (int i = 0; i < 10; i++) {
            assertThat(admission.send(user, from.plusSeconds(61L * i))).isInstanceOf(AdmittedRequest.class);
        }
    }

    @Test
    void shouldResetTheDailyQuotaAtUtcMidnight() {
        Instant lateEvening = Instant.parse("2026-03-02T23:40:00Z");
        useUpFreeQuota("erin", lateEvening);

        Object beforeMidnight = admission.send("erin", Instant.parse("2026-03-02T23:59:00Z"));
        assertThat(beforeMidnight).isInstanceOfSatisfying(RejectedRequest.class, r -> {
            assertThat(r.getReason()).isEqualTo(RejectReason.QUOTA_EXCEEDED);
            assertThat(r.getRule()).isEqualTo("requests per UTC day 10");
            assertThat(r.getRetryAfterMs()).isEqualTo(60_000L);
        });
        assertThat(admission.send("erin", Instant.parse("2026-03-02T23:59:59.999Z"))).isInstanceOf(RejectedRequest.class);
        assertThat(admission.send("erin", Instant.parse("2026-03-03T00:00:00Z"))).isInstanceOf(AdmittedRequest.class);
        assertThat(admission.usage("erin", Instant.parse("2026-03-03T00:00:01Z")).remainingRequestsToday()).isEqualTo(9);
    }

    @Test
    void shouldApplyATierChangeOnTheNextRequest() {
        useUpFreeQuota("frank", T0);
        assertThat(admission.send("frank", T0.plusSeconds(700))).isInstanceOfSatisfying(RejectedRequest.class,
                r -> assertThat(r.getReason()).isEqualTo(RejectReason.QUOTA_EXCEEDED));

        admission.policy("frank", AdmissionDriver.tier("STARTER"), T0.plusSeconds(701));
        assertThat(admission.send("frank", T0.plusSeconds(702))).isInstanceOfSatisfying(AdmittedRequest.class,
                a -> assertThat(a.getTier()).isEqualTo("STARTER"));

        admission.policies.pipeInput("frank", null, T0.plusSeconds(703)); // tombstone: back to the default tier
        assertThat(admission.send("frank", T0.plusSeconds(770))).isInstanceOfSatisfying(RejectedRequest.class,
                r -> assertThat(r.getRule()).isEqualTo("requests per UTC day 10"));
    }

    @Test
    void shouldApplyPerUserOverridesOnTopOfTheTier() {
        admission.policy("gina", AdmissionDriver.tier("FREE").setRequestsPerDay(2), T0);
        assertThat(admission.send("gina", T0)).isInstanceOf(AdmittedRequest.class);
        assertThat(admission.send("gina", T0.plusSeconds(1))).isInstanceOf(AdmittedRequest.class);
        assertThat(admission.send("gina", T0.plusSeconds(2))).isInstanceOfSatisfying(RejectedRequest.class,
                r -> assertThat(r.getRule()).isEqualTo("requests per UTC day 2"));
    }

    @Test
    void shouldUseTheConfiguredDefaultTierForUsersWithoutPolicy() {
        try (AdmissionDriver starter = new AdmissionDriver(Map.of("default.tier", "STARTER"))) {
            assertThat(starter.send("hank", T0)).isInstanceOfSatisfying(AdmittedRequest.class,
                    a -> assertThat(a.getTier()).isEqualTo("STARTER"));
            assertThat(starter.usage("hank", T0.plusSeconds(1)).remainingRequestsToday()).isEqualTo(49);
        }
    }
}
