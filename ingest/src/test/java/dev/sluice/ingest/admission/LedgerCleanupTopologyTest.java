package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.LlmRequest;
import org.junit.jupiter.api.Test;

/**
 * A user with many admitted-request entries (hundreds of requests/s over a day's horizon keep millions) is cleaned up
 * in bounded steps: one request's step visits at most {@link ReservationLedger#STEP_ENTRIES} entries, so no single
 * record stalls the stream thread for seconds (measured before: 0.54 s for one user's 1,000,000 entries, past the
 * 10 s transaction timeout at ~20,000,000). The steps together forget exactly what one pass did: every settled entry
 * past the horizon, never a held reservation, and nothing scheduled during a pass is lost.
 */
class LedgerCleanupTopologyTest {
    private static final Duration HORIZON = Duration.ofHours(1);
    private static final int OLD = 3 * ReservationLedger.STEP_ENTRIES + 10;
    private static final String USER = "hot";

    private static AdmissionDriver admission(Duration sweepInterval) {
        AdmissionDriver admission = new AdmissionDriver(Map.of("ingest.dedupe.horizon.ms", Long.toString(HORIZON.toMillis()),
                "ingest.reservation.sweep.interval.ms", Long.toString(sweepInterval.toMillis())));
        admission.policy(USER, AdmissionDriver.tier("PRO").setRequestsPerMinute(1_000_000).setRequestsPerDay(1_000_000)
                .setTokensPerMinute(1_000_000_000L).setDailyBudgetMicros(1_000_000_000_000L), T0);
        return admission;
    }

    /** Requests ids that sort before, among and after the old ones: the store's order is the keys' bytes. */
    private static String id(String first, int i) {
        return String.format("%s-0000-4000-8000-%012d", first, i);
    }

    private static String admit(AdmissionDriver admission, String requestId, Instant at) {
        LlmRequest request = AdmissionDriver.request(USER).setRequestId(requestId).build();
        assertThat(admission.send(request, at)).isInstanceOf(AdmittedRequest.class);
        return requestId;
    }

    /** {@link #OLD} requests admitted in the first minute and charged, so all of them can be forgotten an hour later. */
    private static Set<String> settledOldEntries(AdmissionDriver admission) {
        Set<String> old = new HashSet<>();
        for (int i = 0; i < OLD; i++) {
            old.add(admit(admission, id("10000000", i), T0.plusMillis(i)));
        }
        old.forEach(requestId -> admission.cost(USER, requestId, 1_000, T0.plusSeconds(60)));
        return old;
    }

    private static Set<String> keptOf(AdmissionDriver admission, Set<String> ids) {
        Set<String> kept = new HashSet<>();
        for (String key : admission.requestEntries(USER)) {
            String requestId = key.substring(key.indexOf('|') + 1);
            if (ids.contains(requestId)) {
                kept.add(requestId);
            }
        }
        return kept;
    }

    @Test
    void shouldForgetAHotUsersOldEntriesOverSeveralRequestsEachVisitingAtMostOneStep() {
        try (AdmissionDriver admission = admission(Duration.ofDays(1))) { // no sweep within the test's hours
            Set<String> old = settledOldEntries(admission);
            Instant later = T0.plus(HORIZON).plusSeconds(120); // every old entry is past the horizon
            Set<String> fresh = new HashSet<>();
            List<Integer> oldLeft = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                fresh.add(admit(admission, id("f0000000", i), later.plusSeconds(i)));
                oldLeft.add(keptOf(admission, old).size());
            }
            assertThat(oldLeft.get(0)).as("the first request's step visits one step of entries, all forgettable")
                    .isEqualTo(OLD - ReservationLedger.STEP_ENTRIES);
            for (int i = 1; i < oldLeft.size(); i++) {
                assertThat(oldLeft.get(i - 1) - oldLeft.get(i)).as("step %d forgets at most one step", i)
                        .isBetween(0, ReservationLedger.STEP_ENTRIES);
            }
            assertThat(oldLeft.get(oldLeft.size() - 1)).as("the pass is over: every old entry forgotten").isZero();
            assertThat(keptOf(admission, fresh)).as("held reservations are never forgotten").isEqualTo(fresh);
            UserState state = admission.state(USER);
            assertThat(state.cleanupCursor).as("no pass under way").isNull();
            assertThat(state.nextCleanupAt).as("the fresh entries' clean-up, scheduled while the pass ran")
                    .isEqualTo(later.plus(HORIZON).toEpochMilli());
        }
    }

    @Test
    void shouldKeepTheCleanUpOfAnEntrySettledBehindTheCursorDuringAPass() {
        try (AdmissionDriver admission = admission(Duration.ofDays(1))) {
            settledOldEntries(admission);
            Instant later = T0.plus(HORIZON).plusSeconds(120);
            admit(admission, id("f0000000", 0), later); // first step: the cursor moves past the first old entries
            assertThat(admission.state(USER).cleanupCursor).as("a pass under way").isNotNull();
            // an entry that sorts before the cursor, admitted and charged while the pass goes on
            String behind = admit(admission, id("00000000", 0), later.plusSeconds(1));
            admission.cost(USER, behind, 1_000, later.plusSeconds(2));
            for (int i = 1; i < 6; i++) {
                admit(admission, id("f0000000", i), later.plusSeconds(2 + i));
            }
            UserState state = admission.state(USER);
            assertThat(state.cleanupCursor).as("the pass is over").isNull();
            assertThat(state.nextCleanupAt).as("what was scheduled during the pass (the earliest: the first fresh entry's)")
                    .isEqualTo(later.plus(HORIZON).toEpochMilli());

            Instant afterItsHorizon = later.plusSeconds(2).plus(HORIZON).plusSeconds(60);
            admit(admission, id("f0000000", 99), afterItsHorizon);
            assertThat(keptOf(admission, Set.of(behind))).as("forgotten at its time").isEmpty();
        }
    }

    @Test
    void shouldVisitAtMostTheSweepsBudgetPerSweepAndFinishInTheNext() {
        try (AdmissionDriver admission = admission(Duration.ofMinutes(1))) {
            int entries = ReservationLedger.SWEEP_ENTRIES + 1_000;
            for (int i = 0; i < entries; i++) {
                AdmittedRequest a = (AdmittedRequest) admission.send(AdmissionDriver.request(USER).build(), T0.plusMillis(i));
                admission.cost(USER, a.getRequest().getRequestId(), 1_000, T0.plusMillis(i));
            }
            Instant later = T0.plus(HORIZON).plusSeconds(300); // every entry is past the horizon
            admission.send("other", later);
            assertThat(admission.requestEntries(USER)).as("one sweep forgets at most its budget")
                    .hasSize(entries - ReservationLedger.SWEEP_ENTRIES);
            admission.send("other", later.plusSeconds(61));
            assertThat(admission.requestEntries(USER)).as("the next sweep goes on where it stopped").isEmpty();
        }
    }

    @Test
    void shouldFinishAnIdleUsersCleanUpInTheSweepAcrossSteps() {
        try (AdmissionDriver admission = admission(Duration.ofMinutes(1))) {
            Set<String> old = settledOldEntries(admission);
            // another user's traffic moves broker time on; the sweep runs every minute of it
            Instant later = T0.plus(HORIZON).plusSeconds(120);
            admission.send("other", later);
            admission.send("other", later.plusSeconds(61));
            assertThat(keptOf(admission, old)).as("more than one step's entries, forgotten in one sweep").isEmpty();
            assertThat(admission.state(USER).cleanupCursor).isNull();
        }
    }
}
