package dev.sluice.launcher.demo;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.launcher.load.LatencyHistogram;
import dev.sluice.schema.CostEvent;

/**
 * The demo's closing report: admitted and rejected by reason, dead letters, cache hit rates, breaker
 * transitions, cost and savings per user, latency p50/p99 per stage, then a checklist of the features the
 * run was meant to show, each marked {@code [x]} only if its evidence is in the output topics or meters.
 */
public final class DemoSummary {
    private final DemoObserver observer;
    private final List<CostEvent> costs;
    private final List<String> breakerTransitions;
    private final int requestsSent;
    private final boolean outageSupported;
    private final long ceilingMicros;

    /** @param ceilingMicros the global spend ceiling per minute the stages ran with, micro-USD (0: none) */
    public DemoSummary(DemoObserver observer, List<CostEvent> costs, List<String> breakerTransitions, int requestsSent,
                       boolean outageSupported, long ceilingMicros) {
        this.observer = observer;
        this.costs = costs;
        this.breakerTransitions = breakerTransitions;
        this.requestsSent = requestsSent;
        this.outageSupported = outageSupported;
        this.ceilingMicros = ceilingMicros;
    }

    public void print(PrintWriter out) {
        Map<String, Long> rejected = observer.rejectedByReason();
        Map<String, Long> dead = observer.deadLettersByClass();
        Map<String, Long> sources = observer.embeddingSources();
        Map<String, Long> results = observer.resultsByProvider();
        out.println();
        out.println("================ Sluice demo summary ================");
        out.printf("%-34s %8d%n", "requests sent (+1 malformed record)", requestsSent);
        out.printf("%-34s %8d%n", "admitted", observer.admitted());
        out.printf("%-34s %8d%n", "rejected", observer.count(rejected));
        rejected.forEach((reason, n) -> out.printf("  %-32s %8d%n", reason, n));
        out.printf("%-34s %8d%n", "dead letters", observer.count(dead));
        dead.forEach((cls, n) -> out.printf("  %-32s %8d%n", cls, n));
        out.printf("%-34s %8d%n", "results", observer.count(results));
        results.forEach((provider, n) -> out.printf("  %-32s %8d%n", "from " + provider, n));
        out.println("-- caches");
        out.printf("  %-32s %8s%n", "response cache hit rate", rate(results.getOrDefault("cache", 0L), observer.count(results)));
        out.printf("  %-32s %8s%n", "embedding cache hit rate", rate(sources.getOrDefault("CACHE_HIT", 0L), observer.count(sources)));
        sources.forEach((source, n) -> out.printf("    %-30s %8d%n", source, n));
        out.println("-- circuit breakers");
        if (breakerTransitions.isEmpty()) {
            out.println("  (no transitions)");
        }
        breakerTransitions.forEach(t -> out.println("  " + t));
        out.println("-- fallback (answered by a later link of the model's chain)");
        if (observer.fallbacks().isEmpty()) {
            out.println("  (none)");
        }
        observer.fallbacks().forEach((link, n) -> out.printf("  %-32s %8d%n", link, n));
        out.println("-- global spend ceiling (worst case admitted per UTC minute, all users)");
        if (ceilingMicros <= 0) {
            out.println("  (no ceiling configured)");
        }
        observer.admittedWorstCasePerMinute().forEach((minute, micros) -> out.printf("  %-16s %12s of %s%n",
                java.time.Instant.ofEpochSecond(minute * 60).toString().substring(11, 16) + " UTC", usd(micros),
                ceilingMicros > 0 ? usd(ceilingMicros) : "-"));
        out.println("-- cost and savings per user (USD)");
        out.printf("  %-14s %8s %12s %12s%n", "user", "events", "cost", "saved");
        perUser().forEach((user, v) -> out.printf("  %-14s %8d %12s %12s%n", user, v[0], usd(v[1]), usd(v[2])));
        out.println("-- latency per stage (input visible → output visible, read_committed)");
        observer.stageLatencies().forEach((stage, h) -> out.printf("  %-14s n=%-6d p50 %6s   p99 %6s%n", stage, h.count(),
                ms(h, 50), ms(h, 99)));
        out.println("-- features shown");
        checklist().forEach(check -> out.println("  " + check));
        out.println("======================================================");
        out.flush();
    }

    /** One feature the demo is meant to show, and whether the run's outputs prove it happened. */
    public record Check(boolean shown, String text) {
        @Override
        public String toString() {
            return (shown ? "[x] " : "[ ] ") + text;
        }
    }

    /** The features, each with its evidence; the demo test asserts every one is shown. */
    public List<Check> checklist() {
        Map<String, Long> rejected = observer.rejectedByReason();
        long rateLimited = rejected.getOrDefault("RATE_LIMITED", 0L);
        long overBudget = rejected.getOrDefault("BUDGET_EXCEEDED", 0L);
        long responseHits = observer.resultsByProvider().getOrDefault("cache", 0L);
        long embeddingHits = observer.embeddingSources().getOrDefault("CACHE_HIT", 0L);
        long deadLetters = observer.count(observer.deadLettersByClass());
        boolean opened = breakerTransitions.stream().anyMatch(t -> t.contains("→ OPEN"));
        long fellBack = observer.count(observer.fallbacks());
        long overCeiling = rejected.getOrDefault("GLOBAL_BUDGET_EXCEEDED", 0L);
        long busiestMinute = observer.admittedWorstCasePerMinute().values().stream().mapToLong(Long::longValue).max().orElse(0);
        return List.of(
                new Check(rateLimited > 0, "rate limit tripped by a burst (RATE_LIMITED " + rateLimited + ")"),
                new Check(overBudget > 0, "daily budget exhausted (BUDGET_EXCEEDED " + overBudget + ")"),
                new Check(responseHits > 0, "response cache hits (" + responseHits + ")"),
                new Check(embeddingHits > 0, "embedding cache hits (" + embeddingHits + ")"),
                new Check(opened, "provider outage opened the breaker"
                        + (outageSupported ? "" : " (not exercised: a real provider is configured)")),
                new Check(fellBack > 0, "fallback answered while the primary was down (" + fellBack + ")"
                        + (outageSupported ? "" : " (not exercised: a real provider is configured)")),
                new Check(ceilingMicros > 0 && overCeiling > 0 && busiestMinute <= ceilingMicros, "global spend ceiling held "
                        + "(busiest minute admitted " + usd(busiestMinute) + " worst case of " + usd(ceilingMicros)
                        + "/min; GLOBAL_BUDGET_EXCEEDED " + overCeiling + ")"),
                new Check(deadLetters > 0, "malformed record dead-lettered (" + deadLetters + ")"),
                new Check(rejected.getOrDefault("DUPLICATE", 0L) > 0 && rejected.getOrDefault("INVALID", 0L) > 0,
                        "duplicate and invalid requests rejected"));
    }

    private Map<String, long[]> perUser() {
        Map<String, long[]> out = new TreeMap<>();
        for (CostEvent c : costs) {
            long[] v = out.computeIfAbsent(c.getUserId(), u -> new long[3]);
            v[0]++;
            v[1] += c.getCostMicros();
            v[2] += c.getSavedMicros();
        }
        return out;
    }

    static String usd(long micros) {
        return String.format("$%.6f", micros / 1_000_000.0);
    }

    private static String rate(long hits, long total) {
        return total == 0 ? "n/a" : String.format("%.0f%%", 100.0 * hits / total);
    }

    private static String ms(LatencyHistogram h, double p) {
        return h.count() == 0 ? "n/a" : h.percentile(p) + " ms";
    }
}
