package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reliability suite: R1-R5 (R5 also with the Anthropic provider), C1, C2, the adversaries A1-A3 (time, lag and
 * replay, size), R7 (reset after send) and R6 (rolling
 * restart of generation) against one deployment of stage processes, in order, each recording a row of
 * {@code target/reliability-table.md} before its checks are asserted. Sizes: {@link Scale} ({@code -Pchaos} = full).
 * Issue 19's rows (G1 global ceiling, F1 fallback) build deployments of their own: {@link CeilingAndFallbackIT}.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReliabilityIT {
    private Suite suite;

    @BeforeAll
    void startDeployment(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) {
        suite = new Suite(kafka, registry, redis);
    }

    @AfterAll
    void stopDeployment() throws Exception {
        if (suite != null) {
            suite.close();
        }
    }

    @Test
    @Order(1)
    void shouldEndEveryRequestExactlyOnceWhenEveryStageIsKilledMidRun() throws Exception {
        assertPasses(CrashScenario.run(suite));
    }

    @Test
    @Order(2)
    void shouldLoseNothingAndRecoverWithoutRestartWhenRedisIsDown() throws Exception {
        assertPasses(RedisOutageScenario.run(suite));
    }

    @Test
    @Order(3)
    void shouldOpenTheBreakerAndCompleteEveryRequestByReplayWhenTheProviderIsDown() throws Exception {
        assertPasses(ProviderOutageScenario.run(suite));
    }

    @Test
    @Order(4)
    void shouldRouteEveryMalformedRecordToDlqOrRejectedWithoutStoppingAStage() throws Exception {
        assertPasses(BadInputScenario.run(suite));
    }

    @Test
    @Order(5)
    void shouldLeakNoKeyWhenProviderErrorsEchoIt() throws Exception {
        assertPasses(SecretsScenario.run(suite));
    }

    @Test
    @Order(6)
    void shouldLeakNoKeyWhenAnthropicErrorsEchoIt() throws Exception {
        assertPasses(AnthropicSecretsScenario.run(suite));
    }

    @Test
    @Order(7)
    void shouldHoldRateLimitsAndBudgetsWhenIngestAndGenerationAreKilledMidRun() throws Exception {
        List<Verdict> verdicts = CostScenario.run(suite);
        verdicts.forEach(Verdict::record);
        assertThat(verdicts).allSatisfy(v -> assertThat(v.pass()).as(v.failures()).isTrue());
    }

    @Test
    @Order(8)
    void shouldAdmitNoMoreThanTheLimitsAndStampOutcomesNowWhenTheProducerLiesAboutTime() throws Exception {
        assertPasses(AdversaryScenario.time(suite));
    }

    @Test
    @Order(9)
    void shouldHoldTheBudgetWhileDeadLettersWaitAndChargeEveryOverspendInFullAfterTheReplay() throws Exception {
        assertPasses(AdversaryScenario.lagAndReplay(suite));
    }

    @Test
    @Order(10)
    void shouldRejectOversizedRequestsAsInvalidAndAnswerEveryOtherWithoutStoppingAStage() throws Exception {
        assertPasses(AdversaryScenario.size(suite));
    }

    @Test
    @Order(20)
    void shouldNeverRepeatACallWhoseConnectionWasResetAfterTheRequestWasSent() throws Exception {
        assertPasses(ResetAfterSendScenario.run(suite));
    }

    @Test
    @Order(21) // last: it restarts generation, which the earlier "no stage restarted" checks would see
    void shouldCallEachRequestOnceAcrossARollingRestartOfGeneration() throws Exception {
        assertPasses(RollingRestartScenario.run(suite));
    }

    private static void assertPasses(Verdict verdict) {
        verdict.record();
        assertThat(verdict.pass()).as(verdict.failures()).isTrue();
    }
}
