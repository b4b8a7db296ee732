package dev.sluice.reliability;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * C1 and C2 at the process level, with the two ingest processes (and generation in C2) SIGKILLed mid-burst.
 * C1: FREE users (10 per minute, 10 per day) each burst 50 requests: exactly 10 results per user, every other request
 * rejected for rate or quota. C2: users with a 16,000 µ$ daily budget each send 150 requests whose worst case and actual
 * cost are both 160 µ$: exactly 100 results per user, spend never above the budget, the rest rejected for budget.
 */
final class CostScenario {
    static final int C1_PER_USER = 50;
    static final int C1_ALLOWED = 10;
    static final int C2_PER_USER = 150;
    static final int C2_ALLOWED = 100;

    private CostScenario() {}

    static Verdict burst(Suite suite) throws InterruptedException {
        List<String> users = suite.c1Users;
        int n = users.size() * C1_PER_USER;
        List<Chaos.Kill> plan = List.of(new Chaos.Kill(suite.ingest1, n * 3 / 10), new Chaos.Kill(suite.ingest2, n * 6 / 10));
        Suite.Observed run = drive(suite, users, n, plan, Workload.MODEL);
        Checker.Snapshot s = run.snapshot();
        Map<String, Long> perUser = resultsPerUser(s, run.ids());
        long wrongUsers = users.stream().filter(u -> perUser.getOrDefault(u, 0L) != C1_ALLOWED).count();
        long otherRejections = run.ids().stream().filter(s.rejectReasons::containsKey)
                .filter(id -> !Set.of("RATE_LIMITED", "QUOTA_EXCEEDED").contains(s.rejectReasons.get(id))).count();
        return new Verdict("C1 burst", n, plan.size() + " × kill -9 ingest", s, run.ids(), run.secrets())
                .check("exactly " + C1_ALLOWED + " results for every user; users off: " + wrongUsers, wrongUsers == 0)
                .check("other requests rejected for rate or quota only", otherRejections == 0)
                .check("exactly one outcome per request", s.multipleOutcomes(run.ids()) == 0)
                .note(users.size() + " FREE users × " + C1_PER_USER + "; results per user " + perUser.values().stream()
                        .collect(Collectors.summarizingLong(Long::longValue)).toString().replace("LongSummaryStatistics", ""));
    }

    static Verdict budget(Suite suite) throws InterruptedException {
        List<String> users = suite.c2Users;
        int n = users.size() * C2_PER_USER;
        List<Chaos.Kill> plan = List.of(new Chaos.Kill(suite.ingest1, n / 4), new Chaos.Kill(suite.generation, n / 2),
                new Chaos.Kill(suite.ingest2, n * 3 / 4));
        Suite.Observed run = drive(suite, users, n, plan, Suite.FLAT_MODEL);
        Checker.Snapshot s = run.snapshot();
        Map<String, Long> perUser = resultsPerUser(s, run.ids());
        long overBudget = users.stream().filter(u -> s.costMicrosByUser.getOrDefault(u, 0L) > Suite.C2_BUDGET_MICROS).count();
        long maxSpend = users.stream().mapToLong(u -> s.costMicrosByUser.getOrDefault(u, 0L)).max().orElse(0);
        long wrongUsers = users.stream().filter(u -> perUser.getOrDefault(u, 0L) != C2_ALLOWED).count();
        long otherRejections = run.ids().stream().filter(s.rejectReasons::containsKey)
                .filter(id -> !"BUDGET_EXCEEDED".equals(s.rejectReasons.get(id))).count();
        return new Verdict("C2 budget", n, plan.size() + " × kill -9 (ingest ×2, generation)", s, run.ids(), run.secrets())
                .check("no user's spend above its budget; over: " + overBudget, overBudget == 0)
                .check("exactly " + C2_ALLOWED + " results for every user; users off: " + wrongUsers, wrongUsers == 0)
                .check("other requests rejected for budget only", otherRejections == 0)
                .check("exactly one outcome per request", s.multipleOutcomes(run.ids()) == 0)
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(run.ids()) == 0)
                .note(users.size() + " users × " + C2_PER_USER + ", budget " + Suite.C2_BUDGET_MICROS + " µ$; highest spend "
                        + maxSpend + " µ$");
    }

    private static Suite.Observed drive(Suite suite, List<String> users, int n, List<Chaos.Kill> plan, String model) throws InterruptedException {
        Suite.Mark mark = suite.mark();
        Workload workload = suite.workload;
        workload.model(model, 16);
        CompletableFuture<Void> sending = workload.sendAsync(n, suite.scale.crashRate(), users);
        Chaos.execute(plan, suite.progress(mark), suite.random);
        sending.join();
        workload.model(Workload.MODEL, 16);
        return suite.settle(mark, sending, n);
    }

    private static Map<String, Long> resultsPerUser(Checker.Snapshot s, Set<String> ids) {
        return ids.stream().filter(s.results::containsKey).collect(Collectors.groupingBy(s.resultUsers::get, Collectors.counting()));
    }
}
