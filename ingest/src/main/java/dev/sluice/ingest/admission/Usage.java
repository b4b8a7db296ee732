package dev.sluice.ingest.admission;

import dev.sluice.ingest.TierLimits;
import dev.sluice.ingest.rules.Policies;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A user's current usage, the equivalent of an HTTP gateway's {@code X-RateLimit-Remaining} headers.
 *
 * @param remainingRequestsThisMinute admissions left in the sliding minute ending now
 * @param remainingRequestsToday      admissions left in the current UTC day
 * @param spentMicros                 reconciled spend today, micro-dollars
 * @param reservedMicros              worst-case money held for requests without a cost event yet, micro-dollars
 * @param dailyBudgetMicros           the budget they count against, micro-dollars
 */
public record Usage(String userId, String tier, int remainingRequestsThisMinute, int remainingRequestsToday,
                    long spentMicros, long reservedMicros, long dailyBudgetMicros) {

    /**
     * Usage at {@code now} from a user's stored state ({@code null}: never seen), the task's window store (a long
     * window's sealed chunks, read only as far as the window has moved past them) and resolved limits.
     */
    public static Usage of(String userId, byte[] storedState, ReadOnlyKeyValueStore<String, byte[]> windows,
                           Policies.Resolved policy, long now) {
        UserState state = UserState.decode(storedState);
        state.rollTo(UserState.dayOf(now));
        TierLimits limits = policy.limits();
        return new Usage(userId, policy.tier(),
                Math.max(0, limits.requestsPerMinute() - state.countInWindow(now, WindowChunks.readOnly(windows, userId))),
                Math.max(0, limits.requestsPerDay() - state.requestsToday),
                state.spentMicros, state.reservedMicros, limits.dailyBudgetMicros());
    }

    /** Money that may still be reserved today: budget - spent - reserved, not below 0. */
    public long remainingBudgetMicros() {
        return Math.max(0, dailyBudgetMicros - spentMicros - reservedMicros);
    }
}
