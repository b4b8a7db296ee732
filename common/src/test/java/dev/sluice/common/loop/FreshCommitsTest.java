package dev.sluice.common.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class FreshCommitsTest {
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
    private final FreshCommits fresh = new FreshCommits(1_000, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void shouldAskForOneCommitAfterAFreshRecord() {
        fresh.taken(NOW.toEpochMilli() - 999);
        assertThat(fresh.due()).isTrue();
        assertThat(fresh.due()).as("asked once per fresh record taken since").isFalse();
    }

    @Test
    void shouldLeaveABacklogToTheIntervalUnlessAFreshRecordIsAmongIt() {
        fresh.taken(NOW.toEpochMilli() - 1_000);
        fresh.taken(NOW.toEpochMilli() - 60_000);
        assertThat(fresh.due()).as("records a second or more old are a backlog").isFalse();
        fresh.taken(NOW.toEpochMilli() - 60_000);
        fresh.taken(NOW.toEpochMilli() - 5);
        fresh.taken(NOW.toEpochMilli() - 60_000);
        assertThat(fresh.due()).isTrue();
    }

    @Test
    void shouldTreatARecordStampedAheadOfThisClockAsFresh() {
        fresh.taken(NOW.toEpochMilli() + 30_000); // another host's clock ahead: commit at once rather than hold it
        assertThat(fresh.due()).isTrue();
    }
}
