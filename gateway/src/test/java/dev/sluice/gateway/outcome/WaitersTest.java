package dev.sluice.gateway.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import dev.sluice.gateway.Fixtures;
import dev.sluice.schema.RejectReason;
import org.junit.jupiter.api.Test;

class WaitersTest {
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    final Waiters waiters = new Waiters(100);

    @Test
    void shouldNotEndAWaitOnADuplicateButAnswerWithTheRememberedResult() {
        CompletableFuture<Outcome> retry = waiters.await("u", "id", NOW.toEpochMilli());
        waiters.offer(new Outcome.Rejected(Fixtures.rejected("u", "id", RejectReason.DUPLICATE, "requestId", "r", null, NOW)));
        assertThat(retry).isNotDone();

        waiters.offer(new Outcome.Completed(Fixtures.result("u", "id", "answer")));
        assertThat(retry).isCompleted();

        CompletableFuture<Outcome> late = waiters.await("u", "id", NOW.toEpochMilli());
        waiters.offer(new Outcome.Rejected(Fixtures.rejected("u", "id", RejectReason.DUPLICATE, "requestId", "r", null, NOW)));
        assertThat(late.join()).isInstanceOf(Outcome.Completed.class);
    }

    @Test
    void shouldIgnoreARejectionOfAnEarlierAttemptWithTheSameId() {
        CompletableFuture<Outcome> attempt = waiters.await("u", "id", NOW.toEpochMilli());
        waiters.offer(new Outcome.Rejected(Fixtures.rejected("u", "id", RejectReason.RATE_LIMITED, null, "r", 1000L, NOW.minusSeconds(30))));
        assertThat(attempt).isNotDone();
        waiters.offer(new Outcome.Rejected(Fixtures.rejected("u", "id", RejectReason.RATE_LIMITED, null, "r", 1000L, NOW)));
        assertThat(attempt).isCompleted();
    }

    @Test
    void shouldKeepUsersApartWhenTheirRequestIdsCollide() {
        CompletableFuture<Outcome> alice = waiters.await("alice", "same", NOW.toEpochMilli());
        waiters.offer(new Outcome.Completed(Fixtures.result("bob", "same", "bob's answer")));
        assertThat(alice).isNotDone();
        assertThat(waiters.recent("alice", "same")).isEmpty();
        assertThat(waiters.open()).isEqualTo(1);
    }

    @Test
    void shouldCountAWaitAsOpenUntilItIsAnsweredTimesOutOrIsCancelled() {
        CompletableFuture<Outcome> answered = waiters.await("u", "a", NOW.toEpochMilli());
        CompletableFuture<Outcome> timedOut = waiters.await("u", "b", NOW.toEpochMilli());
        CompletableFuture<Outcome> cancelled = waiters.await("u", "c", NOW.toEpochMilli());
        CompletableFuture<Outcome> sameIdAgain = waiters.await("u", "a", NOW.toEpochMilli());
        assertThat(waiters.open()).isEqualTo(4);

        waiters.offer(new Outcome.Completed(Fixtures.result("u", "a", "answer")));
        assertThat(answered).isCompleted();
        assertThat(sameIdAgain).isCompleted();
        assertThat(waiters.open()).isEqualTo(2);

        timedOut.completeExceptionally(new java.util.concurrent.TimeoutException());
        cancelled.cancel(false);
        assertThat(waiters.open()).isZero();
        waiters.offer(new Outcome.Completed(Fixtures.result("u", "a", "answer again")));
        assertThat(waiters.open()).isZero();
    }
}
