package dev.sluice.generation.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;

import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.provider.OpenAiProvider;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Breaker gauges of two endpoints of the same provider type serving the same model are told apart by their endpoint tag. */
class BreakerGaugeTest {
    @Test
    void shouldRegisterOneBreakerGaugePerEndpointWhenPrimaryAndBackupAreTheSameProvider() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GenerationMetrics metrics = new GenerationMetrics(registry);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Clock clock = Clock.systemUTC();
            ResilientCaller primary = new ResilientCaller(provider(clock), ResilienceSettings.defaults(), scheduler, scheduler, clock, metrics);
            ResilientCaller backup = new ResilientCaller("backup", provider(clock), ResilienceSettings.defaults(), scheduler, scheduler,
                    clock, metrics);
            primary.breaker("gpt-4o");
            backup.breaker("gpt-4o").transitionToOpenState();

            Map<String, Double> byEndpoint = registry.find("sluice.generation.breaker.state").tag("provider", "openai")
                    .tag("model", "gpt-4o").gauges().stream()
                    .collect(Collectors.toMap(g -> g.getId().getTag("endpoint"), Gauge::value));
            assertThat(byEndpoint).containsExactlyInAnyOrderEntriesOf(Map.of(ResilientCaller.MAIN_ENDPOINT, 0.0, "backup", 1.0));
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static OpenAiProvider provider(Clock clock) {
        return new OpenAiProvider("http://127.0.0.1:9/v1", "sk-test", Duration.ofSeconds(1), Executors.newCachedThreadPool(), clock);
    }
}
