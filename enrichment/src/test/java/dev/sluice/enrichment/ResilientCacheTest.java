package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.sluice.testkit.MutableClock;
import dev.sluice.enrichment.cache.InMemoryEmbeddingCache;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;

class ResilientCacheTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryEmbeddingCache redis = new InMemoryEmbeddingCache(clock);
    private final ResilientCache cache = new ResilientCache(redis, Duration.ofDays(7), Duration.ofSeconds(5), 100, clock);

    @Test
    void shouldOpenTheBreakerAndStopCallingRedisWhenItKeepsFailing() {
        redis.setDown(true);
        for (int i = 0; i < 3; i++) {
            assertThat(cache.lookup(List.of("emb:k"))).isEmpty();
        }
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        int callsWhenOpened = redis.roundTrips();
        assertThat(cache.lookup(List.of("emb:k"))).isEmpty();
        assertThat(redis.roundTrips()).as("an open breaker does not call Redis").isEqualTo(callsWhenOpened);
        assertThat(cache.degraded()).isTrue();
    }

    @Test
    void shouldGoBackToRedisByItselfWhenItReturnsAfterTheOpenPeriod() {
        redis.setDown(true);
        for (int i = 0; i < 3; i++) {
            cache.lookup(List.of("emb:k"));
        }
        redis.setDown(false);
        clock.advance(Duration.ofSeconds(4));
        assertThat(cache.lookup(List.of("emb:k"))).as("still open").isEmpty();

        clock.advance(Duration.ofSeconds(2));
        assertThat(cache.lookup(List.of("emb:k"))).as("half-open trial succeeds").isPresent();
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(cache.degraded()).isFalse();
        assertThat(cache.degradedSeconds()).isEqualTo(6.0);
    }

    @Test
    void shouldReportDegradedFromTheFirstFailureBeforeTheBreakerOpens() {
        redis.setDown(true);
        assertThat(cache.store(Map.of("emb:k", new byte[4]))).isFalse();
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(cache.degraded()).isTrue();
        redis.setDown(false);
        assertThat(cache.store(Map.of("emb:k", new byte[4]))).isTrue();
        assertThat(cache.degraded()).isFalse();
    }

    @Test
    void shouldFindOutByItsOwnProbeThatRedisIsBackWhenNoLookupArrives() {
        redis.setDown(true);
        for (int i = 0; i < 3; i++) {
            cache.lookup(List.of("emb:k"));
        }
        redis.setDown(false);
        int callsWhenOpened = redis.roundTrips();
        clock.advance(Duration.ofSeconds(4));
        assertThat(cache.probe()).as("still degraded while the breaker is open").isTrue();
        assertThat(redis.roundTrips()).as("a probe against an open breaker does not reach Redis").isEqualTo(callsWhenOpened);

        clock.advance(Duration.ofSeconds(2));
        assertThat(cache.probe()).as("after the open period the probe is the trial call, and it succeeds").isFalse();
        assertThat(redis.roundTrips()).isEqualTo(callsWhenOpened + 1);
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldNotProbeAHealthyRedis() {
        assertThat(cache.probe()).isFalse();
        assertThat(redis.roundTrips()).isZero();
    }
}
