package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.sluice.ingest.admission.Reservation.Status;
import org.junit.jupiter.api.Test;

class HeldReservationTest {
    private static final byte[] KEY = Reservation.key("alice", "req-1").getBytes(StandardCharsets.UTF_8);

    @Test
    void shouldReadAHeldReservationFromTheEntryAdmissionWrites() {
        byte[] entry = new Reservation(Status.OUTSTANDING, 4_200, 1_700_000_000_000L, 1_700_000_000_000L).encode();

        assertThat(HeldReservation.of(KEY, entry))
                .isEqualTo(new HeldReservation("alice", "req-1", 4_200, Instant.ofEpochMilli(1_700_000_000_000L)));
    }

    @Test
    void shouldSeeNoReservationInAChargedReleasedExpiredOrDeletedEntry() {
        for (Status ended : new Status[] {Status.SETTLED, Status.RELEASED, Status.EXPIRED}) {
            byte[] entry = new Reservation(ended, 4_200, 1_700_000_060_000L, 1_700_000_000_000L).encode();
            assertThat(HeldReservation.of(KEY, entry)).as(ended.name()).isNull();
        }
        assertThat(HeldReservation.of(KEY, null)).as("a tombstone: the clean-up deleted the entry").isNull();
    }

    @Test
    void shouldKeepARequestIdThatContainsTheSeparator() {
        byte[] key = Reservation.key("bob", "a|b").getBytes(StandardCharsets.UTF_8);
        byte[] entry = new Reservation(Status.OUTSTANDING, 1, 5, 5).encode();

        assertThat(HeldReservation.of(key, entry)).extracting(HeldReservation::userId, HeldReservation::requestId)
                .containsExactly("bob", "a|b");
    }

    @Test
    void shouldRefuseARecordThatIsNotAnEntryWithoutQuotingIt() {
        assertThatThrownBy(() -> HeldReservation.of("secret-user|r".getBytes(StandardCharsets.UTF_8), new byte[] {0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 bytes").hasMessageNotContaining("secret-user");
        assertThatThrownBy(() -> HeldReservation.of("no-separator".getBytes(StandardCharsets.UTF_8),
                new Reservation(Status.OUTSTANDING, 1, 5, 5).encode()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("no-separator");
    }
}
