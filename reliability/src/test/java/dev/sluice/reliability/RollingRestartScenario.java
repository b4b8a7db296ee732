package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * R6: a rolling restart of generation (what every deploy does): SIGTERM while slow calls are in flight, then a new
 * process with the same instance id. The stopping process drains its in-flight calls and commits them before it
 * exits, so provider calls must equal requests exactly.
 */
final class RollingRestartScenario {
    /** Provider latency during the scenario: enough to keep dozens of calls in flight at the SIGTERM. */
    static final Duration SLOW = Duration.ofMillis(500);

    private RollingRestartScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        Scale scale = suite.scale;
        int n = scale.outageRequests();
        suite.mock.latency(SLOW);
        try {
            Suite.Mark mark = suite.mark();
            CompletableFuture<Void> sending = suite.workload.sendAsync(n, scale.outageRate(), Workload.users("r6", 50));
            await().atMost(Duration.ofMinutes(5)).until(() -> suite.workload.sent() - mark.sentBefore().size() >= n / 3);
            String inFlight = suite.generation.metrics();
            System.out.println("R6: SIGTERM to generation");
            suite.generation.stop();
            suite.generation.start();
            suite.generation.awaitReady(Duration.ofMinutes(3));
            Suite.Observed observed = suite.settle(mark, sending, n);
            Set<String> ids = observed.ids();
            Checker.Snapshot s = observed.snapshot();
            long calls = s.calls(ids);
            return new Verdict("R6 rolling restart", n, "SIGTERM + restart of generation, provider latency " + SLOW.toMillis() + " ms",
                    s, ids, observed.secrets())
                    .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                    .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                    .check("provider calls " + calls + " = requests " + n, calls == n)
                    .note("in flight before SIGTERM: " + gauge(inFlight) + "; drained and committed before exit, so no call was repeated");
        } finally {
            suite.mock.latency(Suite.PROVIDER_LATENCY);
        }
    }

    private static String gauge(String metrics) {
        if (metrics == null) {
            return "?";
        }
        return metrics.lines().filter(l -> l.startsWith("sluice_generation_in_flight")).findFirst()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).orElse("?");
    }
}
