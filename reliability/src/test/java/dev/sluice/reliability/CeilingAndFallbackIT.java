package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 19 at the process level, rows G1 (global spend ceiling, kill -9 of an admission process) and F1 (fallback
 * chain) of the results table. Each scenario builds its own deployment on the shared broker, registry and Redis (no
 * {@link Suite}), so {@code -Dit.test=CeilingAndFallbackIT} runs them alone. Sizes: {@link Scale}.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CeilingAndFallbackIT {
    private final long seed = Long.getLong("sluice.reliability.seed", System.nanoTime());

    @Test
    @Order(1)
    void shouldHoldTheGlobalCeilingPerMinuteAcrossThreeAdmissionProcessesWhenOneIsKilledMidBurst(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        System.out.printf("G1 seed %d%n", seed);
        assertPasses(GlobalCeilingScenario.run(kafka, registry, redis, Scale.current(), new Random(seed)));
    }

    @Test
    @Order(2)
    void shouldCompleteOnTheFallbackWithoutPayingTwiceAndNeverFallBackOnA400(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        assertPasses(FallbackScenario.run(kafka, registry, redis, Scale.current()));
    }

    private static void assertPasses(Verdict verdict) {
        verdict.record();
        assertThat(verdict.pass()).as(verdict.failures()).isTrue();
    }
}
