package dev.sluice.tools.dlq;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** What one replay run did (or, dry, would do): counts per outcome and per target topic. */
public final class ReplaySummary {
    private final boolean dryRun;
    private final int maxReplays;
    private final Map<ReplayPolicy.Outcome, Integer> outcomes = new EnumMap<>(ReplayPolicy.Outcome.class);
    private final Map<String, Integer> targets = new TreeMap<>();
    private Duration elapsed = Duration.ZERO;

    ReplaySummary(boolean dryRun, int maxReplays) {
        this.dryRun = dryRun;
        this.maxReplays = maxReplays;
    }

    void count(ReplayPolicy.Outcome outcome, String target) {
        outcomes.merge(outcome, 1, Integer::sum);
        if (outcome == ReplayPolicy.Outcome.REPLAY) {
            targets.merge(target, 1, Integer::sum);
        }
    }

    void finish(Duration took) {
        this.elapsed = took;
    }

    public int count(ReplayPolicy.Outcome outcome) {
        return outcomes.getOrDefault(outcome, 0);
    }

    public int selected() {
        return outcomes.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Letters sent (0 on a dry run). */
    public int sent() {
        return dryRun ? 0 : count(ReplayPolicy.Outcome.REPLAY);
    }

    public Map<String, Integer> targets() {
        return Map.copyOf(targets);
    }

    public Duration elapsed() {
        return elapsed;
    }

    public void print(PrintWriter out) {
        String verb = dryRun ? "would replay" : "replayed";
        out.printf("replay summary%s: %d selected, %d %s, %d already replayed, %d refused%n", dryRun ? " (dry run, nothing sent)" : "",
                selected(), count(ReplayPolicy.Outcome.REPLAY), verb, count(ReplayPolicy.Outcome.ALREADY_REPLAYED),
                count(ReplayPolicy.Outcome.REFUSED_ADMISSION_INPUT) + count(ReplayPolicy.Outcome.REFUSED_LIMIT)
                        + count(ReplayPolicy.Outcome.REFUSED_UNKNOWN_TOPIC) + count(ReplayPolicy.Outcome.REFUSED_MAY_REPAY));
        targets.forEach((topic, n) -> out.printf("  %s %d to %s%n", verb, n, topic));
        for (ReplayPolicy.Outcome o : ReplayPolicy.Outcome.values()) {
            if (o != ReplayPolicy.Outcome.REPLAY && count(o) > 0) {
                out.printf("  %d %s%s%n", count(o), o.label(), o == ReplayPolicy.Outcome.REFUSED_LIMIT ? " (max " + maxReplays + ")" : "");
            }
        }
        if (!dryRun && count(ReplayPolicy.Outcome.REPLAY) > 0) {
            double seconds = Math.max(elapsed.toNanos(), 1) / 1e9;
            out.printf("  took %.2f s, %.0f records/s%n", seconds, count(ReplayPolicy.Outcome.REPLAY) / seconds);
        }
        out.flush();
    }
}
