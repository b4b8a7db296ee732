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
            assertThat(lookup(List.of("emb:k"))).isEmpty();
        }
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        int callsWhenOpened = redis.roundTrips();
        assertThat(lookup(List.of("emb:k"))).isEmpty();
        assertThat(redis.roundTrips()).as("an open breaker does not call Redis").isEqualTo(callsWhenOpened);
        assertThat(cache.degraded()).isTrue();
    }

    @Test
    void shouldGoBackToRedisByItselfWhenItReturnsAfterTheOpenPeriod() {
        redis.setDown(true);
        for (int i = 0; i < 3; i++) {
            lookup(List.of("emb:k"));
        }
        redis.setDown(false);
        clock.advance(Duration.ofSeconds(4));
        assertThat(lookup(List.of("emb:k"))).as("still open").isEmpty();

        clock.advance(Duration.ofSeconds(2));
        assertThat(lookup(List.of("emb:k"))).as("half-open trial succeeds").isPresent();
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(cache.degraded()).isFalse();
        assertThat(cache.degradedSeconds()).isEqualTo(6.0);
    }

    @Test
    void shouldCountALookupSentInPartsAsOneCallOfTheBreaker() {
        redis.setDown(true);
        for (int i = 0; i < 2; i++) {
            ResilientCache.Lookup lookup = cache.startLookup();
            for (int part = 0; part < 4; part++) {
                lookup.send(List.of("emb:k" + part));
            }
            assertThat(lookup.answered(0)).isFalse();
            assertThat(lookup.finish()).isFalse();
        }
        assertThat(cache.breakerState()).as("two failed lookups of four parts each: 2 failed calls, fewer than the 3 needed")
                .isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(redis.roundTrips()).as("no part is sent after the first failed").isEqualTo(2);

        lookup(List.of("emb:k"));
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        redis.setDown(false);
        redis.putAll(Map.of("emb:k3", new byte[] {3, 0, 0, 0}), Duration.ofMinutes(1));
        clock.advance(Duration.ofSeconds(6));

        // half-open lets one call through: a lookup of four parts is that one call, every part of it sent
        ResilientCache.Lookup trial = cache.startLookup();
        for (int part = 0; part < 4; part++) {
            trial.send(List.of("emb:k" + part));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(trial.answered(i)).isTrue();
            assertThat(trial.value(i)).isNull();
        }
        assertThat(trial.answered(3)).isTrue();
        assertThat(trial.value(3)).containsExactly(3, 0, 0, 0);
        assertThat(trial.finish()).isTrue();
        assertThat(cache.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(cache.degraded()).isFalse();
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
            lookup(List.of("emb:k"));
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

    /** One lookup in a single part: its values, or empty when Redis did not answer it. */
    private java.util.Optional<List<byte[]>> lookup(List<String> keys) {
        ResilientCache.Lookup lookup = cache.startLookup();
        lookup.send(keys);
        List<byte[]> values = new java.util.ArrayList<>();
        for (int i = 0; i < keys.size() && lookup.answered(i); i++) {
            values.add(lookup.value(i));
        }
        return lookup.finish() ? java.util.Optional.of(values) : java.util.Optional.empty();
    }
}
