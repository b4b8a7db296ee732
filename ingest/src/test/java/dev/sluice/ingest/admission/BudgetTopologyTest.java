package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetTopologyTest {
    /** Input free, output $10 per million tokens: 1,000 output tokens cost exactly 10,000 micro-dollars. */
    private static final String MODEL = "flat-model";
    private static final long WORST = 10_000;
    private AdmissionDriver admission;

    @BeforeEach
    void setUp(@TempDir Path dir) throws IOException {
        Path models = dir.resolve("models.properties");
        Files.writeString(models, MODEL + " = 0, 10\nclaude-sonnet-4-5 = 3.00, 15.00\n");
        admission = new AdmissionDriver(Map.of("models.file", models.toString(), "default.tier", "PRO",
                "ingest.reservation.sweep.interval.ms", "60000", "ingest.max.request.cost.micros", "200000"));
        admission.policy("lena", AdmissionDriver.tier("PRO").setDailyBudgetMicros(25_000L), T0);
    }

    @AfterEach
    void close() {
        if (admission != null) {
            admission.close();
        }
    }

    private static LlmRequest flat(String user) {
        return AdmissionDriver.request(user).setModel(MODEL).setMaxOutputTokens(1_000).build();
    }

    private AdmittedRequest admit(String user, Instant at) {
        Object decision = admission.send(flat(user), at);
        assertThat(decision).isInstanceOf(AdmittedRequest.class);
        return (AdmittedRequest) decision;
    }

    private RejectedRequest reject(String user, Instant at) {
        Object decision = admission.send(flat(user), at);
        assertThat(decision).isInstanceOf(RejectedRequest.class);
        return (RejectedRequest) decision;
    }

    @Test
    void shouldReserveTheWorstCaseAndRejectWhenSpentPlusReservedPlusWorstCaseExceedsTheBudget() {
        assertThat(admit("lena", T0).getReservedMicros()).isEqualTo(WORST);
        admit("lena", T0.plusSeconds(1));
        RejectedRequest third = reject("lena", T0.plusSeconds(2));
        assertThat(third.getReason()).isEqualTo(RejectReason.BUDGET_EXCEEDED);
        assertThat(third.getDetail()).contains("reserved 20000");
        assertThat(admission.usage("lena", T0.plusSeconds(3)).reservedMicros()).isEqualTo(2 * WORST);
    }

    @Test
    void shouldChargeTheActualCostBelowTheEstimateAndReleaseTheRest() {
        AdmittedRequest first = admit("lena", T0);
        admit("lena", T0.plusSeconds(1));
        admission.cost("lena", first.getRequest().getRequestId(), 4_000, T0.plusSeconds(2));

        Usage usage = admission.usage("lena", T0.plusSeconds(3));
        assertThat(usage.spentMicros()).isEqualTo(4_000);
        assertThat(usage.reservedMicros()).isEqualTo(WORST);
        admit("lena", T0.plusSeconds(4)); // 4,000 + 10,000 + 10,000 <= 25,000
        assertThat(admission.costFlags.readValuesToList()).as("no overspend").isEmpty();
    }

    @Test
    void shouldChargeACostAboveItsReservationInFullAndFlagTheOverspend() {
        AdmittedRequest first = admit("lena", T0);
        AdmittedRequest second = admit("lena", T0.plusSeconds(1));
        admission.cost("lena", first.getRequest().getRequestId(), 4_000, T0.plusSeconds(2));
        admission.cost("lena", second.getRequest().getRequestId(), 13_000, T0.plusSeconds(3)); // 3,000 above its reservation

        Usage usage = admission.usage("lena", T0.plusSeconds(4));
        assertThat(usage.spentMicros()).as("the books hold what the provider was paid, uncapped").isEqualTo(17_000);
        assertThat(usage.reservedMicros()).isZero();
        assertThat(reject("lena", T0.plusSeconds(5)).getReason()).isEqualTo(RejectReason.BUDGET_EXCEEDED); // 17,000 + 10,000 > 25,000
        List<CostEvent> flags = admission.costFlags.readValuesToList();
        assertThat(flags).singleElement().satisfies(f -> {
            assertThat(f.getKind()).isEqualTo(CostKind.OVERSPENT);
            assertThat(f.getRequestId()).isEqualTo(second.getRequest().getRequestId());
            assertThat(f.getCostMicros()).isEqualTo(13_000);
            assertThat(f.getReservedMicros()).isEqualTo(WORST);
        });
        assertThat(admission.counter("sluice.ingest.overspent.micros")).isEqualTo(3_000);
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "ignored")).as("its own flag, read back").isEqualTo(1);
    }

    @Test
    void shouldShowTheMoneyHeldAsItIsReservedChargedAndReleased() {
        AdmittedRequest first = admit("lena", T0);
        AdmittedRequest second = admit("lena", T0.plusSeconds(1));
        admit("max", T0.plusSeconds(2));
        assertThat(held()).containsExactly(3 * WORST, 2L);

        admission.cost("lena", first.getRequest().getRequestId(), 13_000, T0.plusSeconds(3)); // above its reservation
        assertThat(held()).as("a charge ends what was held for it, not what it cost").containsExactly(2 * WORST, 2L);
        admission.cost("lena", first.getRequest().getRequestId(), 13_000, T0.plusSeconds(4)); // a duplicate
        admission.cost("lena", "never-admitted", 5_000, T0.plusSeconds(5));
        admission.release("max", "never-admitted-either", T0.plusSeconds(6));
        assertThat(held()).as("nothing held for them").containsExactly(2 * WORST, 2L);

        admission.release("lena", second.getRequest().getRequestId(), T0.plusSeconds(7));
        assertThat(held()).containsExactly(WORST, 1L);
        admission.cost("lena", second.getRequest().getRequestId(), 9_000, T0.plusSeconds(8)); // a charge after its release
        admit("max", T0.plusSeconds(180)); // stream time passes the sweep, which counts afresh from every user's state
        assertThat(held()).containsExactly(2 * WORST, 1L);

        admission.close();
        assertThat(held()).as("the task closed: this instance holds nothing to show").containsExactly(0L, 0L);
        admission = null; // closed
    }

    @Test
    void shouldShowTheAgeOfTheOldestReservationStillHeldUntilItsOutcomeArrives() {
        assertThat(oldestHeldSeconds()).as("nothing held").isZero();
        AdmittedRequest first = admit("lena", T0.plusSeconds(30)); // minute 0
        AdmittedRequest second = admit("max", T0.plusSeconds(5 * 60 + 59)); // minute 5
        admit("lena", T0.plusSeconds(10 * 60)); // minute 10
        admission.wall.add(Duration.ofMinutes(30));
        assertThat(oldestHeldSeconds()).as("lena's first, to the minute").isEqualTo(30 * 60.0);

        admission.cost("lena", first.getRequest().getRequestId(), 4_000, T0.plusSeconds(11 * 60));
        assertThat(oldestHeldSeconds()).as("max's").isEqualTo(25 * 60.0);
        admission.cost("lena", first.getRequest().getRequestId(), 4_000, T0.plusSeconds(11 * 60 + 1)); // a duplicate
        admission.cost("max", "never-admitted", 5_000, T0.plusSeconds(11 * 60 + 2));
        assertThat(oldestHeldSeconds()).as("nothing held ended").isEqualTo(25 * 60.0);
        admission.release("max", second.getRequest().getRequestId(), T0.plusSeconds(11 * 60 + 3));
        assertThat(oldestHeldSeconds()).as("lena's second").isEqualTo(20 * 60.0);
        admission.wall.add(Duration.ofMinutes(40));
        assertThat(oldestHeldSeconds()).as("an outcome that does not come: the age grows").isEqualTo(60 * 60.0);
    }

    private double oldestHeldSeconds() {
        return admission.meters.get("sluice.ingest.reservations.held.oldest.seconds").gauge().value();
    }

    private List<Long> held() {
        return List.of((long) admission.meters.get("sluice.ingest.reservations.held.micros").gauge().value(),
                (long) admission.meters.get("sluice.ingest.reservations.held.users").gauge().value());
    }

    @Test
    void shouldIgnoreADuplicatedCostEvent() {
        AdmittedRequest first = admit("lena", T0);
        for (int i = 0; i < 3; i++) {
            admission.cost("lena", first.getRequest().getRequestId(), 3_000, T0.plusSeconds(1 + i));
        }
        Usage usage = admission.usage("lena", T0.plusSeconds(5));
        assertThat(usage.spentMicros()).isEqualTo(3_000);
        assertThat(usage.reservedMicros()).isZero();
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "duplicate")).isEqualTo(2);
    }

    @Test
    void shouldKeepAReservationHeldWhileGenerationLagsForDaysAndChargeItsLateCostOnce() {
        AdmittedRequest first = admit("lena", T0);
        admit("lena", T0.plusSeconds(1));
        // Other users' traffic moves broker time two hours on; the wall clock too: the sweep runs on both.
        admission.send("mike", T0.plus(Duration.ofHours(2)));
        admission.driver.advanceWallClockTime(Duration.ofHours(2));
        assertThat(admission.state("lena").reservedMicros()).as("no lapse").isEqualTo(2 * WORST);
        assertThat(reject("lena", T0.plus(Duration.ofHours(2)).plusSeconds(1)).getReason())
                .as("the held money is not reserved a second time").isEqualTo(RejectReason.BUDGET_EXCEEDED);

        Instant late = T0.plus(Duration.ofDays(3));
        admission.send("mike", late);
        admission.cost("lena", first.getRequest().getRequestId(), 7_000, late.plusSeconds(1));
        admission.cost("lena", first.getRequest().getRequestId(), 7_000, late.plusSeconds(2));

        UserState state = admission.state("lena");
        assertThat(state.spentMicros()).as("charged to the day it arrived, once").isEqualTo(7_000);
        assertThat(state.reservedMicros()).isEqualTo(WORST);
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "reconciled")).isEqualTo(1);
    }

    @Test
    void shouldReleaseAHeldReservationOnAReleasedEventAndStillChargeACostThatComesAnyway() {
        AdmittedRequest first = admit("lena", T0);
        String id = first.getRequest().getRequestId();
        admission.release("lena", id, T0.plusSeconds(1));
        admission.release("lena", id, T0.plusSeconds(2));
        assertThat(admission.state("lena").reservedMicros()).isZero();
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "released")).isEqualTo(1);

        admission.cost("lena", id, 6_000, T0.plusSeconds(3)); // it was called after all: the provider was paid
        admission.cost("lena", id, 6_000, T0.plusSeconds(4));
        assertThat(admission.state("lena").spentMicros()).isEqualTo(6_000);
        assertThat(admission.costFlags.readValuesToList()).singleElement()
                .satisfies(f -> assertThat(f.getReservedMicros()).as("nothing was held").isZero());
    }

    /** The other side of the race: an operator's release that lands after the request's real charge changes nothing. */
    @Test
    void shouldIgnoreAReleaseThatArrivesAfterTheRequestWasCharged() {
        AdmittedRequest first = admit("lena", T0);
        String id = first.getRequest().getRequestId();
        admission.cost("lena", id, 4_000, T0.plusSeconds(1));
        admission.release("lena", id, T0.plusSeconds(2)); // e.g. `sluice reservations release` racing the outcome

        UserState state = admission.state("lena");
        assertThat(state.spentMicros()).as("the charge stands").isEqualTo(4_000);
        assertThat(state.reservedMicros()).as("nothing held, and nothing released below zero").isZero();
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "ignored")).isEqualTo(1);
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "released")).isZero();
        assertThat(held()).containsExactly(0L, 0L);

        admission.cost("lena", id, 4_000, T0.plusSeconds(3)); // the charge again, as a duplicate
        assertThat(admission.state("lena").spentMicros()).as("still charged once").isEqualTo(4_000);
    }

    @Test
    void shouldChargeACostForARequestItHasNoEntryForOnceAndFlagIt() {
        String unknown = java.util.UUID.randomUUID().toString();
        admission.cost("lena", unknown, 2_500, T0);
        admission.cost("lena", unknown, 2_500, T0.plusSeconds(1));
        assertThat(admission.state("lena").spentMicros()).isEqualTo(2_500);
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "unreserved")).isEqualTo(1);
        assertThat(admission.costFlags.readValuesToList()).singleElement()
                .satisfies(f -> assertThat(f.getKind()).isEqualTo(CostKind.OVERSPENT));
    }

    @Test
    void shouldNeverChargeMoreThanTheBudgetPerDayWhateverTheLagWhenCostsStayWithinTheirReservations() {
        // Requests every 20 min for 3 days; each cost (at most its worst case) arrives 0 to 30 h later, in any order.
        java.util.Random random = new java.util.Random(12);
        java.util.TreeMap<Instant, Object[]> costs = new java.util.TreeMap<>();
        java.util.Map<Long, Long> paidPerDay = new java.util.HashMap<>();
        for (int i = 0; i < 3 * 72; i++) {
            Instant at = T0.plus(Duration.ofMinutes(20L * i));
            while (!costs.isEmpty() && !costs.firstKey().isAfter(at)) {
                var due = costs.pollFirstEntry();
                payAndCheck(due.getKey(), (String) due.getValue()[0], (Long) due.getValue()[1], paidPerDay);
            }
            Object decision = admission.send(flat("lena"), at);
            if (decision instanceof AdmittedRequest a) {
                long actual = random.nextInt((int) a.getReservedMicros() + 1);
                Instant costAt = at.plus(Duration.ofMinutes(random.nextInt(30 * 60))).plusMillis(i);
                costs.put(costAt, new Object[] {a.getRequest().getRequestId(), actual});
            }
        }
        costs.forEach((at, c) -> payAndCheck(at, (String) c[0], (Long) c[1], paidPerDay));
        assertThat(paidPerDay).isNotEmpty().allSatisfy((day, paid) -> assertThat(paid).as("day " + day).isLessThanOrEqualTo(25_000));
        assertThat(admission.state("lena").reservedMicros()).isZero();
    }

    private void payAndCheck(Instant at, String requestId, long actual, java.util.Map<Long, Long> paidPerDay) {
        admission.cost("lena", requestId, actual, at);
        long paid = paidPerDay.merge(UserState.dayOf(at.toEpochMilli()), actual, Long::sum);
        assertThat(admission.state("lena").spentMicros()).as("the books equal what was paid on the day").isEqualTo(paid);
    }

    @Test
    void shouldRejectARequestWhoseWorstCaseIsAboveThePerRequestCap() {
        LlmRequest big = AdmissionDriver.request("nina").setModel("claude-sonnet-4-5").setMaxOutputTokens(16_000).build();
        assertThat(admission.send(big, T0)).isInstanceOfSatisfying(RejectedRequest.class, r -> {
            assertThat(r.getReason()).isEqualTo(RejectReason.REQUEST_TOO_EXPENSIVE);
            assertThat(r.getRule()).isEqualTo("worst-case cost at most 200000 micro-USD per request");
        });
        assertThat(admission.state("nina").requestsToday()).isZero();
    }

    @Test
    void shouldBoundInputTokensByUtf8BytesPlusPerMessageOverhead() {
        // "€" is 3 UTF-8 bytes: 2 messages x (8 + 3 x 100) + 8 = 624 tokens at most.
        LlmRequest euros = AdmissionDriver.request("olga").setModel("claude-sonnet-4-5").setMaxOutputTokens(10)
                .setMessages(List.of(new ChatMessage(Role.SYSTEM, "€".repeat(100)), new ChatMessage(Role.USER, "€".repeat(100))))
                .build();
        AdmittedRequest admitted = (AdmittedRequest) admission.send(euros, T0);
        assertThat(admitted.getEstimatedInputTokens()).isEqualTo(624);
        assertThat(admitted.getReservedMicros()).isEqualTo(624 * 3 + 10 * 15); // $3/M in, $15/M out, rounded up
    }
}
