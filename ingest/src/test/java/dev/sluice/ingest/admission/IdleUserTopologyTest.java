package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sweep deletes a user's state once it holds nothing, so the user-state store (on the heap with
 * {@code ingest.user.state.in.memory}) keeps about a day of users, not every user ever seen; and it never deletes
 * what a decision still needs: money held, entries still deduplicating, today's count and spend (the last minute's
 * window: {@code UserStateTest}). Each case runs with the store in RocksDB and on the heap.
 */
class IdleUserTopologyTest {
    private static final Duration HORIZON = Duration.ofHours(1);

    private static AdmissionDriver admission(boolean inMemory) {
        return new AdmissionDriver(Map.of("ingest.dedupe.horizon.ms", Long.toString(HORIZON.toMillis()),
                "ingest.reservation.sweep.interval.ms", "60000", "ingest.user.state.in.memory", Boolean.toString(inMemory)));
    }

    @ParameterizedTest(name = "in memory: {0}")
    @ValueSource(booleans = {false, true})
    void shouldDeleteTheStateOfAUserWhoseCostsAreInAndWhoseDayAndHorizonArePast(boolean inMemory) {
        try (AdmissionDriver admission = admission(inMemory)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) { // FREE: the whole day's quota of 10
                AdmittedRequest a = (AdmittedRequest) admission.send("nia", T0.plusSeconds(i));
                ids.add(a.getRequest().getRequestId());
            }
            ids.forEach(id -> admission.cost("nia", id, 100, T0.plusSeconds(30)));
            assertThat(reason(admission.send("nia", T0.plusSeconds(120)))).isEqualTo(RejectReason.QUOTA_EXCEEDED);

            // Other users' traffic moves broker time on; the sweep runs every minute of it.
            Instant sameDayPastHorizon = T0.plus(HORIZON).plus(Duration.ofMinutes(5)); // 11:05, same UTC day
            sweepAt(admission, sameDayPastHorizon);
            assertThat(admission.requestEntries("nia")).as("entries past the horizon forgotten").isEmpty();
            assertThat(admission.hasState("nia")).as("kept while its day runs: today's count still refuses").isTrue();
            assertThat(reason(admission.send("nia", sameDayPastHorizon.plusSeconds(1)))).isEqualTo(RejectReason.QUOTA_EXCEEDED);

            Instant nextDay = T0.plus(Duration.ofDays(1));
            sweepAt(admission, nextDay);
            assertThat(admission.hasState("nia")).as("nothing held any more: deleted").isFalse();
            assertThat(admission.send("nia", nextDay.plusSeconds(1))).as("a new day's request, as for any user")
                    .isInstanceOf(AdmittedRequest.class);
            assertThat(admission.state("nia").requestsToday()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "in memory: {0}")
    @ValueSource(booleans = {false, true})
    void shouldKeepTheStateOfAUserWithMoneyHeldHoweverLongTheCostTakes(boolean inMemory) {
        try (AdmissionDriver admission = admission(inMemory)) {
            AdmittedRequest held = (AdmittedRequest) admission.send("pam", T0);
            long reserved = admission.state("pam").reservedMicros();
            assertThat(reserved).isPositive();

            Instant days = T0.plus(Duration.ofDays(3));
            sweepAt(admission, days);
            assertThat(admission.hasState("pam")).as("money held: kept").isTrue();
            assertThat(admission.state("pam").reservedMicros()).isEqualTo(reserved);
            LlmRequest again = AdmissionDriver.request("pam").setRequestId(held.getRequest().getRequestId()).build();
            assertThat(reason(admission.send(again, days.plusSeconds(1)))).as("still a duplicate while held")
                    .isEqualTo(RejectReason.DUPLICATE);

            long above = reserved + 1_000; // the provider billed more than the worst case admission reserved
            admission.cost("pam", held.getRequest().getRequestId(), above, days.plusSeconds(2));
            assertThat(admission.state("pam").reservedMicros()).isZero();
            assertThat(admission.state("pam").spentMicros()).as("charged in full, on the day it came").isEqualTo(above);
            assertThat(admission.costFlags.readValuesToList()).singleElement()
                    .satisfies(f -> assertThat(f.getCostMicros() - f.getReservedMicros()).isEqualTo(1_000));
            sweepAt(admission, days.plus(HORIZON).plus(Duration.ofMinutes(5)));
            assertThat(admission.hasState("pam")).as("today's spend counts against today's budget: kept").isTrue();
            sweepAt(admission, days.plus(Duration.ofDays(1)));
            assertThat(admission.hasState("pam")).isFalse();
        }
    }

    @ParameterizedTest(name = "in memory: {0}")
    @ValueSource(booleans = {false, true})
    void shouldKeepTheUserStateOnTheHeapOnlyWhenSetAndTheAdmittedRequestsAlwaysInRocksDb(boolean inMemory) {
        try (AdmissionDriver admission = admission(inMemory)) {
            assertThat(admission.driver.getKeyValueStore(AdmissionTopology.USER_STATE_STORE).persistent()).isEqualTo(!inMemory);
            assertThat(admission.driver.getKeyValueStore(AdmissionTopology.REQUESTS_STORE).persistent()).isTrue();
        }
    }

    /** Moves broker time to {@code at} with another user's request, so every sweep due by then runs. */
    private static void sweepAt(AdmissionDriver admission, Instant at) {
        admission.send("clock-" + at.toEpochMilli(), at);
    }

    private static RejectReason reason(Object decision) {
        assertThat(decision).isInstanceOf(RejectedRequest.class);
        return ((RejectedRequest) decision).getReason();
    }
}
