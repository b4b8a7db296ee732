package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UserStateTest {
    private static final long NOW = 1_772_445_600_000L; // 2026-03-02T10:00Z

    private static UserState fullWindow(int requests) {
        UserState s = new UserState();
        s.rollTo(UserState.dayOf(NOW));
        for (int i = 0; i < requests; i++) {
            s.admit(NOW + i * 5_900L, 16_484, new MapChunks());
        }
        s.spentMicros = 987_654;
        s.reservedMicros = 123_456;
        s.nextExpiryAt = NOW + 3_600_000;
        return s;
    }

    @Test
    void shouldRoundTripEveryField() {
        UserState s = fullWindow(10);
        UserState back = UserState.decode(s.encode());
        assertThat(back.day()).isEqualTo(s.day());
        assertThat(back.requestsToday()).isEqualTo(10);
        assertThat(back.spentMicros()).isEqualTo(987_654);
        assertThat(back.reservedMicros()).isEqualTo(123_456);
        assertThat(back.nextExpiryAt).isEqualTo(NOW + 3_600_000);
        assertThat(back.n).isEqualTo(10);
        assertThat(back.at[9]).isEqualTo(NOW + 9 * 5_900L);
        assertThat(back.tokens[9]).isEqualTo(16_484);
    }

    @Test
    void shouldRoundTripACleanUpPassUnderWayAsVersion3() {
        UserState s = fullWindow(3);
        s.nextCleanupAt = NOW;
        s.cleanupCursor = "0b8f4b3e-5d0c-4c36-9d59-1c1e2f3a4b5c";
        s.passNextCleanupAt = NOW + 86_400_000;
        byte[] bytes = s.encode();
        UserState back = UserState.decode(bytes);
        assertThat(bytes[0]).isEqualTo((byte) 3);
        assertThat(back.cleanupCursor).isEqualTo(s.cleanupCursor);
        assertThat(back.passNextCleanupAt).isEqualTo(NOW + 86_400_000);
        assertThat(back.nextCleanupAt).isEqualTo(NOW);
        assertThat(back.n).isEqualTo(3);
        assertThat(back.at[2]).isEqualTo(NOW + 2 * 5_900L);
    }

    @Test
    void shouldWriteVersion2WhenNoCleanUpPassIsUnderWaySoThePreviousReleaseCanReadIt() {
        UserState s = fullWindow(3);
        s.nextCleanupAt = NOW + 1_000;
        byte[] bytes = s.encode();
        assertThat(bytes[0]).isEqualTo((byte) 2);
        UserState back = UserState.decode(bytes);
        assertThat(back.cleanupCursor).isNull();
        assertThat(back.nextCleanupAt).isEqualTo(NOW + 1_000);
    }

    @Test
    void shouldKeepWhatIsScheduledDuringAPassForThePassesEnd() {
        UserState s = new UserState();
        s.scheduleCleanup(NOW + 5_000);
        s.scheduleCleanup(NOW + 9_000);
        assertThat(s.nextCleanupAt).isEqualTo(NOW + 5_000);
        s.cleanupCursor = "a";
        s.nextCleanupAt = NOW;
        s.scheduleCleanup(NOW + 7_000);
        assertThat(s.nextCleanupAt).as("a pass is due at every step anyway").isEqualTo(NOW);
        assertThat(s.passNextCleanupAt).isEqualTo(NOW + 7_000);
    }

    @Test
    void shouldStayWellUnder256BytesForAFullWindowAtTenPerMinute() {
        assertThat(fullWindow(10).encode().length).isLessThanOrEqualTo(100);
    }

    @Test
    void shouldDropEntriesExactlyOneWindowOld() {
        UserState s = fullWindow(2);
        s.prune(NOW + UserState.WINDOW_MS, new MapChunks());
        assertThat(s.n).isEqualTo(1);
        assertThat(s.countInWindow(NOW + UserState.WINDOW_MS + 5_899, new MapChunks())).isEqualTo(1);
        assertThat(s.countInWindow(NOW + UserState.WINDOW_MS + 5_900, new MapChunks())).isZero();
    }

    @Test
    void shouldResetCountAndSpendButKeepReservationsOnANewDay() {
        UserState s = fullWindow(3);
        s.rollTo(s.day() + 1);
        assertThat(s.requestsToday()).isZero();
        assertThat(s.spentMicros()).isZero();
        assertThat(s.reservedMicros()).isEqualTo(123_456);
    }

    @Test
    void shouldBeBlankOnlyWithNothingReservedNoEntriesItsDayOverAndItsWindowEmpty() {
        long midnight = (UserState.dayOf(NOW) + 1) * UserState.DAY_MS;
        UserState s = new UserState();
        s.rollTo(UserState.dayOf(NOW));
        s.admit(midnight - 30_000, 100, new MapChunks()); // 23:59:30
        s.spentMicros = 5;
        assertThat(s.isBlank(midnight - 1_000)).as("its day still runs").isFalse();
        assertThat(s.isBlank(midnight + 10_000)).as("a request of the last minute still counts").isFalse();
        assertThat(s.isBlank(midnight + 30_000)).as("day over, window empty").isTrue();
        s.reservedMicros = 1;
        assertThat(s.isBlank(midnight + 30_000)).as("money held").isFalse();
        s.reservedMicros = 0;
        s.nextCleanupAt = midnight + 3_600_000;
        assertThat(s.isBlank(midnight + 30_000)).as("entries still kept for dedupe").isFalse();
        assertThat(new UserState().isBlank(NOW)).isTrue();
    }
}
