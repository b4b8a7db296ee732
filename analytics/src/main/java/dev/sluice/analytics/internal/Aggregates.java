package dev.sluice.analytics.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.sluice.analytics.schema.SpendTotals;
import dev.sluice.analytics.schema.Spender;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.schema.CostEvent;

/** The pure aggregation steps of the analytics topology. */
public final class Aggregates {
    private static final Comparator<Spender> BY_SPEND_DESC = Comparator.comparingLong(Spender::getCostMicros).reversed()
            .thenComparing(Spender::getUserId);

    private Aggregates() {}

    public static SpendTotals emptyTotals() {
        return new SpendTotals(0L, 0L, 0L, 0L, 0L, 0L, 0L);
    }

    public static SpendTotals add(SpendTotals totals, CostEvent cost) {
        return new SpendTotals(totals.getRequests() + 1,
                totals.getCostMicros() + cost.getCostMicros(),
                totals.getSavedMicros() + cost.getSavedMicros(),
                totals.getCacheHits() + (cost.getCacheHit() ? 1 : 0),
                totals.getInputTokens() + cost.getInputTokens(),
                totals.getOutputTokens() + cost.getOutputTokens(),
                totals.getSemanticHits() + (cost.getSemanticHit() ? 1 : 0));
    }

    public static TopSpenders emptyTop() {
        return new TopSpenders("", List.of());
    }

    /**
     * Puts {@code spender}'s current day total into the ranking and keeps the {@code limit} largest. Dropping the
     * tail is safe because a user's day total only grows: if they climb back, their update carries the full total.
     */
    public static TopSpenders rank(String day, Spender spender, TopSpenders top, int limit) {
        List<Spender> ranked = new ArrayList<>(top.getSpenders().size() + 1);
        for (Spender s : top.getSpenders()) {
            if (!s.getUserId().equals(spender.getUserId())) {
                ranked.add(s);
            }
        }
        ranked.add(spender);
        ranked.sort(BY_SPEND_DESC);
        return new TopSpenders(day, List.copyOf(ranked.subList(0, Math.min(limit, ranked.size()))));
    }
}
