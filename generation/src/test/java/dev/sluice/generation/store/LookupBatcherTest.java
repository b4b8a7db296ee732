package dev.sluice.generation.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class LookupBatcherTest {
    /** Runs the sends only when told: lookups made before that are "arriving together". */
    private final ArrayDeque<Runnable> sends = new ArrayDeque<>();
    private final List<String[]> reads = new ArrayList<>();

    /** A store where every key holds its own name, except keys starting with "absent". */
    private CompletionStage<List<byte[]>> echo(String[] keys) {
        reads.add(keys);
        List<byte[]> values = new ArrayList<>();
        for (String k : keys) {
            values.add(k.startsWith("absent") ? null : k.getBytes(StandardCharsets.UTF_8));
        }
        return CompletableFuture.completedFuture(values);
    }

    private static List<String> strings(List<byte[]> values) {
        return values.stream().map(v -> v == null ? null : new String(v, StandardCharsets.UTF_8)).toList();
    }

    private void runSends() {
        while (!sends.isEmpty()) {
            sends.poll().run();
        }
    }

    @Test
    void shouldSendALoneLookupAtOnceAsItsOwnRead() throws Exception {
        LookupBatcher batcher = new LookupBatcher(this::echo, Runnable::run, 512);

        List<byte[]> values = batcher.lookup("done:a", "absent:cache").get(1, TimeUnit.SECONDS);

        assertThat(strings(values)).containsExactly("done:a", null);
        assertThat(reads).hasSize(1);
    }

    @Test
    void shouldReadLookupsThatArriveTogetherInOneReadAndGiveEachItsOwnValues() throws Exception {
        LookupBatcher batcher = new LookupBatcher(this::echo, sends::add, 512);

        CompletableFuture<List<byte[]>> a = batcher.lookup("done:a", "cache:x");
        CompletableFuture<List<byte[]>> b = batcher.lookup("absent:b");
        CompletableFuture<List<byte[]>> c = batcher.lookup("done:c", "absent:y");
        assertThat(sends).as("one send scheduled for the three").hasSize(1);
        runSends();

        assertThat(reads).hasSize(1);
        assertThat(reads.get(0)).containsExactly("done:a", "cache:x", "absent:b", "done:c", "absent:y");
        assertThat(strings(a.get())).containsExactly("done:a", "cache:x");
        assertThat(strings(b.get())).containsExactly((String) null);
        assertThat(strings(c.get())).containsExactly("done:c", null);
    }

    @Test
    void shouldSplitABatchAtMaxKeysWithoutSplittingALookup() throws Exception {
        LookupBatcher batcher = new LookupBatcher(this::echo, sends::add, 4);

        List<CompletableFuture<List<byte[]>>> lookups = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lookups.add(batcher.lookup("done:" + i, "cache:" + i));
        }
        runSends();

        assertThat(reads).extracting(keys -> keys.length).containsExactly(4, 2);
        for (int i = 0; i < 3; i++) {
            assertThat(strings(lookups.get(i).get())).containsExactly("done:" + i, "cache:" + i);
        }
    }

    @Test
    void shouldScheduleAnotherSendForALookupMadeAfterTheLastSendDrained() throws Exception {
        LookupBatcher batcher = new LookupBatcher(this::echo, sends::add, 512);
        CompletableFuture<List<byte[]>> first = batcher.lookup("done:1");
        runSends();

        CompletableFuture<List<byte[]>> second = batcher.lookup("done:2");

        assertThat(sends).hasSize(1);
        runSends();
        assertThat(strings(first.get())).containsExactly("done:1");
        assertThat(strings(second.get())).containsExactly("done:2");
        assertThat(reads).hasSize(2);
    }

    @Test
    void shouldFailEveryLookupOfAFailedRead() {
        CompletableFuture<List<byte[]>> broken = CompletableFuture.failedFuture(new IllegalStateException("connection reset"));
        LookupBatcher batcher = new LookupBatcher(keys -> broken, sends::add, 512);

        CompletableFuture<List<byte[]>> a = batcher.lookup("done:a");
        CompletableFuture<List<byte[]>> b = batcher.lookup("done:b", "cache:b");
        runSends();

        assertThatThrownBy(a::join).hasRootCauseMessage("connection reset");
        assertThatThrownBy(b::join).hasRootCauseMessage("connection reset");
    }

    @Test
    void shouldFailLookupsWhenTheReadAnswersTheWrongNumberOfValues() {
        LookupBatcher batcher = new LookupBatcher(keys -> CompletableFuture.completedFuture(List.of(new byte[1])), sends::add, 512);

        CompletableFuture<List<byte[]>> a = batcher.lookup("done:a", "cache:a");
        runSends();

        assertThatThrownBy(a::join).hasRootCauseInstanceOf(IllegalStateException.class).hasRootCauseMessage("asked for 2 keys, got 1 values");
    }

    @Test
    void shouldFailALookupWhenTheSenderIsShutDownInsteadOfLeavingItWaiting() {
        LookupBatcher batcher = new LookupBatcher(this::echo, r -> {
            throw new RejectedExecutionException("shut down");
        }, 512);

        assertThatThrownBy(() -> batcher.lookup("done:a").join()).hasRootCauseInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void shouldGiveEveryConcurrentCallerExactlyItsOwnValues() throws Exception {
        ExecutorService sender = Executors.newSingleThreadExecutor();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<String[]> concurrentReads = new CopyOnWriteArrayList<>();
        LookupBatcher batcher = new LookupBatcher(keys -> {
            concurrentReads.add(keys);
            return CompletableFuture.supplyAsync(() -> Arrays.stream(keys).map(k -> k.getBytes(StandardCharsets.UTF_8)).toList());
        }, sender, 64);
        try {
            List<CompletableFuture<Boolean>> checks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                checks.add(CompletableFuture.supplyAsync(() -> {
                    List<CompletableFuture<Boolean>> mine = new ArrayList<>();
                    for (int i = 0; i < 2_000; i++) {
                        String done = "done:" + thread + ":" + i;
                        String cache = "cache:" + thread + ":" + i;
                        mine.add(batcher.lookup(done, cache).thenApply(v -> strings(v).equals(List.of(done, cache))));
                    }
                    return mine.stream().allMatch(CompletableFuture::join);
                }, callers));
            }

            assertThat(checks).allSatisfy(c -> assertThat(c.get(30, TimeUnit.SECONDS)).isTrue());
            int keys = concurrentReads.stream().mapToInt(k -> k.length).sum();
            assertThat(keys).as("every key read exactly once").isEqualTo(8 * 2_000 * 2);
            assertThat(concurrentReads).allSatisfy(k -> assertThat(k.length).isLessThanOrEqualTo(64));
        } finally {
            sender.shutdownNow();
            callers.shutdownNow();
        }
    }
}
