package dev.sluice.reliability;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * R1: ingest, enrichment and generation are SIGKILLed at random points of a steady workload (several times each in
 * the full run) and restarted. Every request must end in exactly one terminal outcome, with no duplicate result or
 * cost event, and the provider paid again only for calls in flight at a generation crash.
 */
final class CrashScenario {
    private CrashScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        Scale scale = suite.scale;
        int n = scale.crashRequests();
        List<Chaos.Kill> plan = Chaos.plan(List.of(List.of(suite.ingest1, suite.ingest2), List.of(suite.enrichment),
                List.of(suite.generation)), scale.killsPerStage(), n, suite.random);
        System.out.printf("R1: %,d requests at %d/s, kills at %s%n", n, scale.crashRate(),
                plan.stream().map(k -> k.stage().instance() + "@" + k.at()).toList());
        int killsBefore = suite.pipeline.kills();
        int generationKillsBefore = suite.generation.kills();
        Suite.Mark mark = suite.mark();

        CompletableFuture<Void> sending = suite.workload.sendAsync(n, scale.crashRate(), Workload.users("r1", 50));
        Chaos.execute(plan, suite.progress(mark), suite.random);
        Suite.Observed observed = suite.settle(mark, sending, n);
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();
        int generationKills = suite.generation.kills() - generationKillsBefore;
        int inFlight = suite.pipeline.config.intValue("generation.max.in.flight", 256, 1, 100_000);
        long calls = s.calls(ids);
        long designBound = n + (long) inFlight * generationKills;
        return new Verdict("R1 crash", n, (suite.pipeline.kills() - killsBefore) + " × kill -9 (" + scale.killsPerStage()
                + " per stage)", s, ids, observed.secrets())
                .check("exactly one outcome per request " + s.sample(ids, id -> s.outcomes(id) > 1), s.multipleOutcomes(ids) == 0)
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                .check("calls " + calls + " <= requests + in-flight x generation kills = " + designBound, calls <= designBound)
                .note(generationKills + " generation kills × in-flight limit " + inFlight + " bounds re-paid calls; "
                        + (calls - n) + " re-paid, all of them calls in flight at a generation kill -9 (a clean stop drains"
                        + " them; the ledger stops every other re-call)");
    }
}
