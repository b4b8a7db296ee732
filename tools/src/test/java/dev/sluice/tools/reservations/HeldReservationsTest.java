package dev.sluice.tools.reservations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;

import dev.sluice.ingest.admission.HeldReservation;
import org.junit.jupiter.api.Test;

class HeldReservationsTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @Test
    void shouldKeepOnlyWhatTheLatestRecordOfEachEntryStillHoldsOldestFirst() {
        HeldReservations held = new HeldReservations();
        HeldReservation a1 = held("alice", "a1", 100, Duration.ofHours(3));
        HeldReservation a2 = held("alice", "a2", 200, Duration.ofMinutes(5));
        HeldReservation b1 = held("bob", "b1", 300, Duration.ofHours(26));
        held.apply("alice|a1", a1);
        held.apply("alice|a2", a2);
        held.apply("bob|b1", b1);
        held.apply("carol|c1", held("carol", "c1", 400, Duration.ofHours(1)));
        held.apply("carol|c1", null); // charged
        held.apply("dave|d1", null); // a tombstone for an entry this read never saw held

        assertThat(held.all()).containsExactly(b1, a1, a2);
        assertThat(held.select(r -> r.userId().equals("alice"))).containsExactly(a1, a2);
    }

    @Test
    void shouldPrintTheShownOnesAndATotalOfEverythingHeld() {
        HeldReservations held = new HeldReservations();
        held.apply("alice|a1", held("alice", "a1", 1_500, Duration.ofMinutes(62)));
        held.apply("bob|b1", held("bob", "b1", 2_000, Duration.ofSeconds(12)));
        StringWriter out = new StringWriter();

        held.print(new PrintWriter(out), held.select(r -> r.userId().equals("alice")), NOW, "user alice");

        assertThat(out.toString()).contains("alice").contains("a1").contains("1h02m").contains("1,500").doesNotContain("b1")
                .contains("2 reservations held by 2 users, 3,500 µ$ in all; the oldest admitted 2026-12-07T10:58:00Z, held for 1h02m")
                .contains("1 shown (user alice)");
    }

    @Test
    void shouldSayNothingIsHeldWhenNothingIs() {
        StringWriter out = new StringWriter();
        new HeldReservations().print(new PrintWriter(out), java.util.List.of(), NOW, "every one");

        assertThat(out.toString()).isEqualTo(String.format("0 reservations held by 0 users, 0 µ$ in all%n0 shown (every one)%n"));
    }

    @Test
    void shouldWriteSpansAnOperatorReadsAtAGlance() {
        assertThat(HeldReservations.span(Duration.ofSeconds(12))).isEqualTo("12s");
        assertThat(HeldReservations.span(Duration.ofSeconds(245))).isEqualTo("4m05s");
        assertThat(HeldReservations.span(Duration.ofMinutes(62))).isEqualTo("1h02m");
        assertThat(HeldReservations.span(Duration.ofHours(51))).isEqualTo("2d03h");
        assertThat(HeldReservations.span(Duration.ofSeconds(-3))).as("the broker's clock ahead of this one").isEqualTo("0s");
    }

    private static HeldReservation held(String user, String request, long micros, Duration ago) {
        return new HeldReservation(user, request, micros, NOW.minus(ago));
    }
}
