package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reservations held inline in the user's state (one write per admission) and, beyond {@link UserState#INLINE_HELD},
 * in the admitted-requests store: the same dedupe and the same money either way.
 */
class HeldReservationsTopologyTest {
    private static final int MANY = UserState.INLINE_HELD + 5;
    private final AdmissionDriver admission = new AdmissionDriver(Map.of(
            "ingest.tier.free.requests.per.minute", "1000", "ingest.tier.free.requests.per.day", "1000"));

    @AfterEach
    void close() {
        admission.close();
    }

    @Test
    void shouldAdmitWithoutAStoreEntryWhileThereIsRoomInline() {
        long reserved = 0;
        for (int i = 0; i < 3; i++) {
            reserved += ((AdmittedRequest) admission.send("uma", T0.plusMillis(i))).getReservedMicros();
        }

        assertThat(admission.requestEntries("uma")).as("the user's state is the only record written").isEmpty();
        assertThat(admission.state("uma").held).isEqualTo(3);
        assertThat(admission.state("uma").reservedMicros()).isEqualTo(reserved);
    }

    @Test
    void shouldHoldTheReservationsBeyondTheInlineRoomInTheStoreAndTreatBothAlike() {
        List<AdmittedRequest> admitted = new ArrayList<>();
        for (int i = 0; i < MANY; i++) {
            admitted.add((AdmittedRequest) admission.send("val", T0.plusMillis(i)));
        }
        assertThat(admission.state("val").held).isEqualTo(UserState.INLINE_HELD);
        assertThat(admission.requestEntries("val")).hasSize(MANY - UserState.INLINE_HELD);
        long reserved = admitted.stream().mapToLong(AdmittedRequest::getReservedMicros).sum();
        assertThat(admission.state("val").reservedMicros()).isEqualTo(reserved);

        for (AdmittedRequest a : List.of(admitted.get(0), admitted.get(MANY - 1))) { // one inline, one in the store
            assertThat(admission.send(a.getRequest(), T0.plusSeconds(1))).isInstanceOfSatisfying(RejectedRequest.class,
                    r -> assertThat(r.getReason()).isEqualTo(RejectReason.DUPLICATE));
        }

        // Costs above each reservation (a wrong price table): every one charged in full, exactly once.
        long charged = 0;
        for (AdmittedRequest a : admitted) {
            long cost = a.getReservedMicros() + 7;
            admission.cost("val", a.getRequest().getRequestId(), cost, T0.plusSeconds(2));
            admission.cost("val", a.getRequest().getRequestId(), cost, T0.plusSeconds(3)); // a resent cost event
            charged += cost;
        }
        UserState after = admission.state("val");
        assertThat(after.held).isZero();
        assertThat(after.reservedMicros()).isZero();
        assertThat(after.spentMicros()).isEqualTo(charged);
        assertThat(admission.requestEntries("val")).as("each one remembered as settled for the horizon").hasSize(MANY);
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "reconciled")).isEqualTo(MANY);
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "duplicate")).isEqualTo(MANY);
        LlmRequest settled = admitted.get(1).getRequest();
        assertThat(admission.send(settled, T0.plusSeconds(4))).as("settled, inside the horizon: still a duplicate")
                .isInstanceOfSatisfying(RejectedRequest.class, r -> assertThat(r.getReason()).isEqualTo(RejectReason.DUPLICATE));
    }

    @Test
    void shouldReleaseAnInlineReservationOnceAndRememberIt() {
        AdmittedRequest a = (AdmittedRequest) admission.send("wes", T0);
        admission.release("wes", a.getRequest().getRequestId(), T0.plusSeconds(1));
        admission.release("wes", a.getRequest().getRequestId(), T0.plusSeconds(2));

        assertThat(admission.state("wes").reservedMicros()).isZero();
        assertThat(admission.state("wes").held).isZero();
        assertThat(admission.requestEntries("wes")).containsExactly("wes|" + a.getRequest().getRequestId());
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "released")).isEqualTo(1);
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "ignored")).isEqualTo(1);
    }
}
