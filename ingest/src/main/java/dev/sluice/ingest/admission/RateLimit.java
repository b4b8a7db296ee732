package dev.sluice.ingest.admission;

import dev.sluice.ingest.TierLimits;

/**
 * The exact sliding-window check: at most {@code requestsPerMinute} admitted requests and at most
 * {@code tokensPerMinute} estimated tokens in any window (t - 60 s, t]. Rejected requests do not count.
 * When a request does not fit, the answer is the earliest time it would: when enough of the oldest
 * entries have left the window.
 */
final class RateLimit {
    private RateLimit() {}

    /** Why a request does not fit now, and after how many milliseconds it would (null: never, at these limits). */
    record Limited(String rule, Long retryAfterMs) {}

    /**
     * Null if a request of {@code tokens} fits into {@code state}'s window at {@code now} (already pruned to it); else
     * why not. Only a refusal reads the window's sealed chunks, and only as far as the request would fit.
     */
    static Limited check(UserState state, long now, TierLimits limits, long tokens, WindowChunks chunks) {
        if (limits.requestsPerMinute() == 0) {
            return new Limited("requests per minute " + limits.requestsPerMinute(), null);
        }
        if (tokens > limits.tokensPerMinute()) {
            return new Limited("estimated tokens per request at most the tokens per minute " + limits.tokensPerMinute(), null);
        }
        int n = state.count();
        long sum = state.tokensInLog();
        boolean countOk = n + 1 <= limits.requestsPerMinute();
        boolean tokensOk = sum + tokens <= limits.tokensPerMinute();
        if (countOk && tokensOk) {
            return null;
        }
        String rule = !countOk ? "requests per minute " + limits.requestsPerMinute()
                : "estimated tokens per minute " + limits.tokensPerMinute();
        // Drop the oldest entries one by one until the request fits; it fits once the k-th oldest has left.
        long[] fitsAt = {Long.MIN_VALUE};
        long[] dropped = {0};
        int[] k = {0};
        state.forEachOldestFirst(chunks, (at, entryTokens) -> {
            k[0]++;
            dropped[0] += entryTokens;
            if (n - k[0] + 1 <= limits.requestsPerMinute() && sum - dropped[0] + tokens <= limits.tokensPerMinute()) {
                fitsAt[0] = at;
                return false;
            }
            return true;
        });
        if (fitsAt[0] == Long.MIN_VALUE) {
            throw new IllegalStateException("unreachable: an empty window fits any request within the limits");
        }
        return new Limited(rule, fitsAt[0] + UserState.WINDOW_MS - now);
    }
}
