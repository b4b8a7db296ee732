package dev.sluice.reliability;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * C1 and C2 at the process level, in one run so they share its kills: ingest-1, generation and ingest-2 are
 * SIGKILLed at 25, 50 and 75 % of the run's outcomes while both workloads are sent side by side.
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

    /** Runs both workloads under one kill plan; returns C1's verdict, then C2's. */
    static List<Verdict> run(Suite suite) throws InterruptedException {
        int c1 = suite.c1Users.size() * C1_PER_USER;
        int c2 = suite.c2Users.size() * C2_PER_USER;
        int n = c1 + c2;
        List<Chaos.Kill> plan = List.of(new Chaos.Kill(suite.ingest1, n / 4), new Chaos.Kill(suite.generation, n / 2),
                new Chaos.Kill(suite.ingest2, n * 3 / 4));
        Suite.Mark mark = suite.mark();
        int rate = suite.scale.crashRate();
        CompletableFuture<Void> burst = suite.workload.sendAsync(c1, rate * c1 / n, suite.c1Users, Workload.MODEL);
        CompletableFuture<Void> spend = suite.workload.sendAsync(c2, rate * c2 / n, suite.c2Users, Suite.FLAT_MODEL);
        Chaos.execute(plan, suite.progress(mark), suite.random);
        Suite.Observed observed = suite.settle(mark, CompletableFuture.allOf(burst, spend), n);
        Checker.Snapshot s = observed.snapshot();
        String kills = plan.size() + " × kill -9 (ingest ×2, generation), shared by C1 and C2";
        return List.of(burst(observed, of(suite, observed.ids(), suite.c1Users), suite.c1Users, kills),
                budget(observed, of(suite, observed.ids(), suite.c2Users), suite.c2Users, kills));
    }

    private static Verdict burst(Suite.Observed observed, Set<String> ids, List<String> users, String kills) {
        Checker.Snapshot s = observed.snapshot();
        Map<String, Long> perUser = resultsPerUser(s, ids);
        long wrongUsers = users.stream().filter(u -> perUser.getOrDefault(u, 0L) != C1_ALLOWED).count();
        long otherRejections = ids.stream().filter(s.rejectReasons::containsKey)
                .filter(id -> !Set.of("RATE_LIMITED", "QUOTA_EXCEEDED").contains(s.rejectReasons.get(id))).count();
        return new Verdict("C1 burst", ids.size(), kills, s, ids, observed.secrets())
                .check("exactly " + C1_ALLOWED + " results for every user; users off: " + wrongUsers, wrongUsers == 0)
                .check("other requests rejected for rate or quota only", otherRejections == 0)
                .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                .note(users.size() + " FREE users × " + C1_PER_USER + "; results per user " + perUser.values().stream()
                        .collect(Collectors.summarizingLong(Long::longValue)).toString().replace("LongSummaryStatistics", ""));
    }

    private static Verdict budget(Suite.Observed observed, Set<String> ids, List<String> users, String kills) {
        Checker.Snapshot s = observed.snapshot();
        Map<String, Long> perUser = resultsPerUser(s, ids);
        long overBudget = users.stream().filter(u -> s.costMicrosByUser.getOrDefault(u, 0L) > Suite.C2_BUDGET_MICROS).count();
        long maxSpend = users.stream().mapToLong(u -> s.costMicrosByUser.getOrDefault(u, 0L)).max().orElse(0);
        long wrongUsers = users.stream().filter(u -> perUser.getOrDefault(u, 0L) != C2_ALLOWED).count();
        long otherRejections = ids.stream().filter(s.rejectReasons::containsKey)
                .filter(id -> !"BUDGET_EXCEEDED".equals(s.rejectReasons.get(id))).count();
        return new Verdict("C2 budget", ids.size(), kills, s, ids, observed.secrets())
                .check("no user's spend above its budget; over: " + overBudget, overBudget == 0)
                .check("exactly " + C2_ALLOWED + " results for every user; users off: " + wrongUsers, wrongUsers == 0)
                .check("other requests rejected for budget only", otherRejections == 0)
                .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                .note(users.size() + " users × " + C2_PER_USER + ", budget " + Suite.C2_BUDGET_MICROS + " µ$; highest spend "
                        + maxSpend + " µ$");
    }

    /** The ids among {@code ids} that the workload sent for {@code users}. */
    private static Set<String> of(Suite suite, Set<String> ids, List<String> users) {
        Set<String> wanted = Set.copyOf(users);
        return ids.stream().filter(id -> wanted.contains(suite.workload.userOf(id))).collect(Collectors.toSet());
    }

    static Map<String, Long> resultsPerUser(Checker.Snapshot s, Set<String> ids) {
        return ids.stream().filter(s.results::containsKey).collect(Collectors.groupingBy(s.resultUsers::get, Collectors.counting()));
    }
}
