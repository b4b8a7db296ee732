package dev.sluice.ingest;

import static dev.sluice.ingest.AdmissionDriver.T0;
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
                "ingest.reservation.ttl.ms", "600000", "ingest.late.cost.grace.ms", "3600000",
                "ingest.reservation.sweep.interval.ms", "60000", "ingest.max.request.cost.micros", "200000"));
        admission.policy("lena", AdmissionDriver.tier("PRO").setDailyBudgetMicros(25_000L), T0);
    }

    @AfterEach
    void close() {
        admission.close();
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
    void shouldMoveTheActualCostFromReservedToSpentCappedAtTheReservation() {
        AdmittedRequest first = admit("lena", T0);
        AdmittedRequest second = admit("lena", T0.plusSeconds(1));
        admission.cost("lena", first.getRequest().getRequestId(), 4_000, T0.plusSeconds(2));
        admission.cost("lena", second.getRequest().getRequestId(), 999_999, T0.plusSeconds(3)); // above its reservation

        Usage usage = admission.usage("lena", T0.plusSeconds(4));
        assertThat(usage.spentMicros()).isEqualTo(4_000 + WORST);
        assertThat(usage.reservedMicros()).isZero();
        admit("lena", T0.plusSeconds(5)); // 14,000 spent + 10,000 worst case = 24,000 <= 25,000
        assertThat(reject("lena", T0.plusSeconds(6)).getReason()).isEqualTo(RejectReason.BUDGET_EXCEEDED);
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
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "unmatched")).isEqualTo(2);
    }

    @Test
    void shouldReleaseAReservationWithoutCostEventAfterTheTtlOnTheUsersNextRequest() {
        admit("lena", T0);
        admit("lena", T0.plusSeconds(1));
        reject("lena", T0.plusSeconds(2));
        assertThat(reject("lena", T0.plus(Duration.ofMinutes(10)).minusMillis(1)).getReason()).isEqualTo(RejectReason.BUDGET_EXCEEDED);

        admit("lena", T0.plus(Duration.ofMinutes(10))); // the first reservation expired at T0 + 10 min
        assertThat(admission.usage("lena", T0.plus(Duration.ofMinutes(10))).reservedMicros()).isEqualTo(2 * WORST);
        assertThat(admission.counter("sluice.ingest.reservations.expired")).isEqualTo(1);
    }

    @Test
    void shouldReleaseExpiredReservationsOfIdleUsersWhenStreamTimePassesTheTtl() {
        admit("lena", T0);
        // Another user's traffic advances stream time past the TTL; the sweep runs every 60 s of stream time.
        admission.send("mike", T0.plus(Duration.ofMinutes(11)));
        assertThat(admission.state("lena").reservedMicros()).isZero();
        assertThat(admission.state("lena").spentMicros()).isZero();
    }

    @Test
    void shouldChargeALateCostEventOnceAfterExpiry() {
        AdmittedRequest first = admit("lena", T0);
        admission.send("mike", T0.plus(Duration.ofMinutes(11))); // expires lena's reservation
        admission.cost("lena", first.getRequest().getRequestId(), 7_000, T0.plus(Duration.ofMinutes(12)));
        admission.cost("lena", first.getRequest().getRequestId(), 7_000, T0.plus(Duration.ofMinutes(13)));

        UserState state = admission.state("lena");
        assertThat(state.spentMicros()).isEqualTo(7_000);
        assertThat(state.reservedMicros()).isZero();
        assertThat(admission.counter("sluice.ingest.costs", "outcome", "late")).isEqualTo(1);
    }

    @Test
    void shouldForgetAnExpiredReservationAfterTheGracePeriod() {
        AdmittedRequest first = admit("lena", T0);
        admission.send("mike", T0.plus(Duration.ofMinutes(80))); // past TTL (10 min) + grace (60 min)
        admission.cost("lena", first.getRequest().getRequestId(), 7_000, T0.plus(Duration.ofMinutes(81)));
        assertThat(admission.state("lena").spentMicros()).isZero();
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
