package dev.sluice.tools.report;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.SpendTotals;
import dev.sluice.analytics.schema.Spender;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.common.UtcWindows;

/**
 * The readable report {@code sluice report} prints: the current value of every analytics window overlapping
 * {@code [from, now]}, as tables. Pure: built from the rows already read from the {@code llm.analytics.*} topics.
 */
public record Report(Instant from, Collection<UserDailySpend> userDays, Collection<ModelHourlySpend> modelHours,
                     Collection<DailySavings> savings, Collection<RejectionCount> rejections, Collection<TopSpenders> top) {

    public void print(PrintWriter out) {
        out.printf("Sluice spend report since %s (UTC windows overlapping it)%n%n", from);
        out.println("Spend per user per day");
        table(out, "%-12s %-24s %9s %14s %14s%n", new Object[] {"DAY", "USER", "REQUESTS", "SPENT", "SAVED"},
                userDays.stream().filter(d -> overlaps(d.getWindowStart(), UtcWindows.DAY.toMillis()))
                        .sorted(Comparator.comparing(UserDailySpend::getDay).thenComparing(d -> -d.getTotals().getCostMicros()))
                        .map(d -> new Object[] {d.getDay(), d.getUserId(), d.getTotals().getRequests(), usd(d.getTotals().getCostMicros()),
                                usd(d.getTotals().getSavedMicros())}).toList());

        out.println("Spend per model");
        Map<String, SpendTotals> perModel = sum(modelHours.stream().filter(h -> overlaps(h.getWindowStart(), UtcWindows.HOUR.toMillis())).toList(),
                ModelHourlySpend::getModel, ModelHourlySpend::getTotals);
        table(out, "%-28s %9s %12s %12s %14s %14s%n", new Object[] {"MODEL", "REQUESTS", "IN TOKENS", "OUT TOKENS", "SPENT", "SAVED"},
                perModel.entrySet().stream().map(e -> new Object[] {e.getKey(), e.getValue().getRequests(), e.getValue().getInputTokens(),
                        e.getValue().getOutputTokens(), usd(e.getValue().getCostMicros()), usd(e.getValue().getSavedMicros())}).toList());

        out.println("Response-cache savings per day");
        table(out, "%-12s %9s %11s %9s %8s %14s %14s%n", new Object[] {"DAY", "REQUESTS", "CACHE HITS", "SEMANTIC", "HIT %", "SAVED", "SPENT"},
                savings.stream().filter(s -> overlaps(s.getWindowStart(), UtcWindows.DAY.toMillis())).sorted(Comparator.comparing(DailySavings::getDay))
                        .map(s -> new Object[] {s.getDay(), s.getTotals().getRequests(), s.getTotals().getCacheHits(), s.getTotals().getSemanticHits(),
                                String.format("%.1f", s.getTotals().getRequests() == 0 ? 0.0 : 100.0 * s.getTotals().getCacheHits() / s.getTotals().getRequests()),
                                usd(s.getTotals().getSavedMicros()), usd(s.getTotals().getCostMicros())}).toList());

        out.println("Rejections by reason");
        Map<String, Long> perReason = new TreeMap<>();
        rejections.stream().filter(r -> overlaps(r.getWindowStart(), UtcWindows.HOUR.toMillis()))
                .forEach(r -> perReason.merge(r.getReason(), r.getCount(), Long::sum));
        table(out, "%-24s %9s%n", new Object[] {"REASON", "COUNT"},
                perReason.entrySet().stream().map(e -> new Object[] {e.getKey(), e.getValue()}).toList());

        out.println("Top spenders per day");
        table(out, "%-12s %4s %-24s %14s%n", new Object[] {"DAY", "RANK", "USER", "SPENT"},
                top.stream().filter(t -> overlaps(Instant.parse(t.getDay() + "T00:00:00Z"), UtcWindows.DAY.toMillis()))
                        .sorted(Comparator.comparing(TopSpenders::getDay))
                        .flatMap(t -> {
                            List<Spender> s = t.getSpenders();
                            return java.util.stream.IntStream.range(0, s.size())
                                    .mapToObj(i -> new Object[] {t.getDay(), i + 1, s.get(i).getUserId(), usd(s.get(i).getCostMicros())});
                        }).toList());
        out.flush();
    }

    private boolean overlaps(Instant windowStart, long sizeMs) {
        return windowStart.toEpochMilli() + sizeMs > from.toEpochMilli();
    }

    private static <T> Map<String, SpendTotals> sum(List<T> rows, Function<T, String> key, Function<T, SpendTotals> totals) {
        Map<String, SpendTotals> out = new TreeMap<>();
        for (T row : rows) {
            SpendTotals t = totals.apply(row);
            out.merge(key.apply(row), t, (a, b) -> new SpendTotals(a.getRequests() + b.getRequests(), a.getCostMicros() + b.getCostMicros(),
                    a.getSavedMicros() + b.getSavedMicros(), a.getCacheHits() + b.getCacheHits(), a.getInputTokens() + b.getInputTokens(),
                    a.getOutputTokens() + b.getOutputTokens(), a.getSemanticHits() + b.getSemanticHits()));
        }
        return out;
    }

    private static void table(PrintWriter out, String format, Object[] header, List<Object[]> rows) {
        out.printf(format, header);
        if (rows.isEmpty()) {
            out.println("  (none)");
        }
        rows.forEach(r -> out.printf(format, r));
        out.println();
    }

    /** Micro-dollars as dollars with six decimals, exact (no floating point). */
    static String usd(long micros) {
        String sign = micros < 0 ? "-" : "";
        long abs = Math.abs(micros);
        return String.format("%s$%d.%06d", sign, abs / 1_000_000, abs % 1_000_000);
    }
}
