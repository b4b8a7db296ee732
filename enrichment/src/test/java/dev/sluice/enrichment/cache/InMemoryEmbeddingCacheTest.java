package dev.sluice.enrichment.cache;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.sluice.testkit.MutableClock;
import org.junit.jupiter.api.Test;

class InMemoryEmbeddingCacheTest extends EmbeddingCacheContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryEmbeddingCache cache = new InMemoryEmbeddingCache(clock);

    @Override
    protected EmbeddingCache cache() {
        return cache;
    }

    @Override
    protected void passTime(Duration d) {
        clock.advance(d);
    }

    @Test
    void shouldThrowUnavailableWhenSwitchedDown() {
        cache.setDown(true);
        assertThatThrownBy(() -> cache.getAll(List.of("emb:x"))).isInstanceOf(CacheUnavailableException.class);
    }
}
