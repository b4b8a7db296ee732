package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;

import dev.sluice.ingest.TierLimits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A long window (more admissions in the last minute than the user's record keeps inline) decides exactly as a plain
 * log of every admission of the last minute would: the same admissions, the same refusals, the same
 * {@code retryAfterMs} and the same count in the window, request by request, with the state written back when the stage
 * writes it (an admission, or a sealed chunk read back while pruning) and read again for the next request. Random bursts, gaps and token sizes, against limits that refuse both ways.
 */
class LongWindowTest {
    private static final long T0 = 1_772_445_600_000L; // 2026-03-02T10:00Z

    /** The plain log: what the window means. */
    private static final class Reference {
        final Deque<long[]> log = new ArrayDeque<>();

        void prune(long now) {
            while (!log.isEmpty() && log.peekFirst()[0] <= now - UserState.WINDOW_MS) {
                log.pollFirst();
            }
        }

        /** Null if it fits, else the retry-after. */
        Long check(long now, TierLimits limits, long tokens) {
            long sum = log.stream().mapToLong(e -> e[1]).sum();
            if (log.size() + 1 <= limits.requestsPerMinute() && sum + tokens <= limits.tokensPerMinute()) {
                return null;
            }
            int k = 0;
            long dropped = 0;
            for (long[] e : log) {
                k++;
                dropped += e[1];
                if (log.size() - k + 1 <= limits.requestsPerMinute() && sum - dropped + tokens <= limits.tokensPerMinute()) {
                    return e[0] + UserState.WINDOW_MS - now;
                }
            }
            throw new AssertionError("unreachable");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldDecideExactlyAsAPlainLogOfTheLastMinute(long seed) {
        Random random = new Random(seed);
        // room for ~8 chunks in a minute, so the window is sealed and unsealed again and again
        TierLimits limits = new TierLimits(1_200, 1_000_000_000, 1_200 * 300L, Long.MAX_VALUE / 4);
        MapChunks chunks = new MapChunks();
        byte[] stored = null;
        Reference reference = new Reference();
        long at = T0;
        int admitted = 0;
        int refused = 0;
        int sealedSeen = 0;
        for (int i = 0; i < 30_000; i++) {
            // bursts (many per ms), steady traffic, pauses of up to two minutes and broker time stepping back
            int mode = random.nextInt(1_000);
            at += mode < 600 ? random.nextInt(3) : mode < 995 ? random.nextInt(40) : mode < 999 ? random.nextInt(120_000)
                    : -random.nextInt(5_000); // a clock that steps back: the stage judges at the user's newest time
            long tokens = 1 + random.nextInt(random.nextInt(10) == 0 ? 5_000 : 400);

            UserState state = UserState.decode(stored);
            long now = Math.max(at, state.newestAt());
            boolean unsealed = state.prune(now, chunks);
            reference.prune(now);
            RateLimit.Limited limited = RateLimit.check(state, now, limits, tokens, chunks);
            Long expected = reference.check(now, limits, tokens);
            assertThat(limited == null).as("request %d admitted", i).isEqualTo(expected == null);
            if (limited != null) {
                assertThat(limited.retryAfterMs()).as("request %d retry after", i).isEqualTo(expected);
                refused++;
            } else {
                state.admit(now, tokens, chunks);
                reference.log.addLast(new long[] {now, tokens});
                admitted++;
            }
            assertThat(state.count()).as("admissions in the log after request %d", i).isEqualTo(reference.log.size());
            if (state.hasSealed()) {
                sealedSeen++;
                assertThat(state.n).as("inline admissions: a head of at most a chunk, a tail of at most INLINE_MAX")
                        .isLessThanOrEqualTo(UserState.INLINE_MAX + UserState.CHUNK_ENTRIES);
            }
            long probe = now + random.nextInt(70_000);
            long inWindow = reference.log.stream().filter(e -> e[0] > probe - UserState.WINDOW_MS).count();
            assertThat(state.countInWindow(probe, chunks)).as("count in the window at a later time").isEqualTo((int) inWindow);
            if (limited == null || unsealed) {
                stored = state.encode(); // as the stage writes it: on an admission, or when pruning read a chunk back
            }
        }
        UserState last = UserState.decode(stored);
        assertThat(chunks.chunks.keySet()).as("exactly the sealed chunks are stored")
                .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.range(last.sealedFrom, last.sealedTo).boxed().toList());
        assertThat(admitted).isGreaterThan(5_000);
        assertThat(refused).isGreaterThan(1_000);
        assertThat(sealedSeen).as("requests decided with sealed chunks").isGreaterThan(5_000);
    }
}
