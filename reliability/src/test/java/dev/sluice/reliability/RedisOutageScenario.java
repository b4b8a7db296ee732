package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * R2: Redis is killed (its data gone) for the outage length in the middle of a steady workload, then restarted on the
 * same port. Nothing may be lost; enrichment must report itself degraded during the outage and recover on its own
 * afterwards, and no stage process may have been restarted.
 */
final class RedisOutageScenario {
    private RedisOutageScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        Scale scale = suite.scale;
        int n = scale.outageRequests();
        Map<StageProcess, Long> pids = suite.pids();
        Suite.Mark mark = suite.mark();
        CompletableFuture<Void> sending = suite.workload.sendAsync(n, scale.outageRate(), Workload.users("r2", 50));
        await().atMost(Duration.ofMinutes(5)).until(() -> suite.workload.sent() - mark.sentBefore().size() >= n / 4);

        System.out.printf("R2: Redis down for %d s%n", scale.outage().toSeconds());
        suite.redis.stop();
        long down = System.nanoTime();
        boolean sawDegraded = false;
        while (System.nanoTime() - down < scale.outage().toNanos()) {
            String health = suite.enrichment.health();
            sawDegraded |= health != null && health.contains("\"degraded\":true");
            Thread.sleep(250);
        }
        suite.redis.start();
        long up = System.nanoTime();
        boolean recovered;
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
                String health = suite.enrichment.health();
                return health != null && health.contains("\"degraded\":false");
            });
            recovered = true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            recovered = false;
        }
        double recoverySeconds = (System.nanoTime() - up) / 1e9;
        Suite.Observed observed = suite.settle(mark, sending, n);
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();
        long results = s.withResult(ids);
        return new Verdict("R2 Redis outage", n, "Redis down " + scale.outage().toSeconds() + " s", s, ids, observed.secrets())
                .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                .check("enrichment reported degraded during the outage", sawDegraded)
                .check("enrichment recovered without a restart", recovered)
                .check("no stage process restarted or died", suite.noneRestartedSince(pids))
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                .note(String.format("degraded seen: %s; recovered %.1f s after Redis returned; %d results, %d dead letters %s",
                        sawDegraded, recoverySeconds, results, ids.size() - results, deadClasses(s, ids)));
    }

    static Map<String, Long> deadClasses(Checker.Snapshot s, Set<String> ids) {
        return ids.stream().filter(s.dead::containsKey).collect(java.util.stream.Collectors.groupingBy(
                id -> s.deadClasses.getOrDefault(id, "?"), java.util.TreeMap::new, java.util.stream.Collectors.counting()));
    }
}
