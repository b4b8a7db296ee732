package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import org.junit.jupiter.api.Test;

/**
 * A user allowed thousands of requests a minute: the window stays exact while its middle is sealed into the
 * {@code admission-user-window} store, the user's own record (rewritten at every request) stays small, sealed chunks
 * are deleted as the window's trailing edge passes them, and with the user's state when the sweep deletes it.
 */
class LongWindowTopologyTest {
    private static final int LIMIT = 5_000;
    private static final String USER = "hot";

    private static AdmissionDriver admission() {
        AdmissionDriver admission = new AdmissionDriver(Map.of("ingest.reservation.sweep.interval.ms", "60000",
                "ingest.dedupe.horizon.ms", "3600000"));
        admission.policy(USER, AdmissionDriver.tier("PRO").setRequestsPerMinute(LIMIT).setRequestsPerDay(1_000_000)
                .setTokensPerMinute(1_000_000_000L).setDailyBudgetMicros(1_000_000_000_000L), T0);
        return admission;
    }

    @Test
    void shouldAdmitExactlyTheLimitOfALongWindowWhileTheUsersRecordStaysSmall() {
        try (AdmissionDriver admission = admission()) {
            int admitted = 0;
            int maxRecord = 0;
            for (int i = 0; i < LIMIT + 1_000; i++) {
                Object decision = admission.send(USER, T0.plusMillis(i * 5L)); // 6,000 requests in 30 s
                if (decision instanceof AdmittedRequest) {
                    admitted++;
                } else {
                    RejectedRequest r = (RejectedRequest) decision;
                    assertThat(r.getReason()).isEqualTo(RejectReason.RATE_LIMITED);
                    assertThat(r.getRetryAfterMs()).as("until the first admission leaves the window")
                            .isEqualTo(60_000L - i * 5L);
                }
                maxRecord = Math.max(maxRecord, admission.state(USER).encode().length);
            }
            assertThat(admitted).isEqualTo(LIMIT);
            // a flat log of 5,000 admissions is ~15 KB; inline at most a head and a tail of a few hundred
            assertThat(maxRecord).as("the user's record, rewritten at every request").isLessThan(2_000);
            assertThat(admission.windowChunks(USER)).as("the middle of the window, sealed")
                    .hasSizeGreaterThanOrEqualTo((LIMIT - UserState.INLINE_MAX - UserState.CHUNK_ENTRIES) / UserState.CHUNK_ENTRIES);
            assertThat(admission.usage(USER, T0.plusSeconds(30)).remainingRequestsThisMinute()).isZero();
            assertThat(admission.usage(USER, T0.plusSeconds(61)).remainingRequestsThisMinute())
                    .as("the admissions at 0-1,000 ms (201) have left the window").isEqualTo(201);

            Instant laterThanTheWindow = T0.plusSeconds(200);
            assertThat(admission.send(USER, laterThanTheWindow)).isInstanceOf(AdmittedRequest.class);
            assertThat(admission.windowChunks(USER)).as("every sealed chunk left the window: read back and deleted").isEmpty();
            assertThat(admission.state(USER).count()).isEqualTo(1);
        }
    }

    @Test
    void shouldWriteBackTheStateWhenARefusedRequestReadASealedChunkBack() {
        try (AdmissionDriver admission = admission()) {
            admission.policy(USER, AdmissionDriver.tier("PRO").setRequestsPerMinute(LIMIT).setRequestsPerDay(1_000)
                    .setTokensPerMinute(1_000_000_000L).setDailyBudgetMicros(1_000_000_000_000L), T0);
            for (int i = 0; i < 1_000; i++) {
                assertThat(admission.send(USER, T0.plusMillis(i * 10L))).isInstanceOf(AdmittedRequest.class);
            }
            long sealedBefore = admission.state(USER).sealedFrom;
            // the oldest run has left the window: this request reads the next sealed run back, and is refused (the day's quota)
            assertThat(((RejectedRequest) admission.send(USER, T0.plusMillis(61_500))).getReason()).isEqualTo(RejectReason.QUOTA_EXCEEDED);
            UserState state = admission.state(USER);
            assertThat(state.sealedFrom).as("a chunk was read back").isGreaterThan(sealedBefore);
            assertThat(admission.windowChunks(USER)).as("the stored state names exactly the chunks still stored")
                    .hasSize((int) (state.sealedTo - state.sealedFrom));
            assertThat(((RejectedRequest) admission.send(USER, T0.plusMillis(75_000))).getReason())
                    .as("the next request finds every chunk its state names").isEqualTo(RejectReason.QUOTA_EXCEEDED);
        }
    }

    @Test
    void shouldDeleteTheSealedChunksWithTheStateOfAUserWhoLeft() {
        try (AdmissionDriver admission = admission()) {
            for (int i = 0; i < 1_000; i++) {
                AdmittedRequest a = (AdmittedRequest) admission.send(USER, T0.plusMillis(i * 10L));
                admission.cost(USER, a.getRequest().getRequestId(), 10, T0.plusSeconds(20));
            }
            assertThat(admission.windowChunks(USER)).isNotEmpty();
            // other users' traffic moves broker time on; the sweep runs every minute of it
            Instant nextDay = T0.plus(Duration.ofDays(1));
            admission.send("other", nextDay);
            admission.send("other", nextDay.plusSeconds(61));
            assertThat(admission.hasState(USER)).as("nothing held, day over, window empty: deleted").isFalse();
            assertThat(admission.windowChunks(USER)).as("with its sealed chunks").isEmpty();
        }
    }
}
