package dev.sluice.generation.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Coalesces lookups that arrive together into one multi-key read, without waiting for more: the first lookup into an
 * empty queue schedules a send on {@code sender}; the send takes everything queued by the time it runs (up to
 * {@code maxKeys} keys per read, more reads if there is more). An idle stage sends each lookup at once, alone; when
 * generation's loop starts a wave of requests (with calls of equal latency, up to 256 at the same moment) they go as
 * a few reads instead of 256, each a command to encode, write, answer and decode on the connection's one I/O thread.
 *
 * <p>Each lookup asks for one or more keys and gets their values in the same order (null = absent); a failed read
 * fails every lookup in it.
 */
final class LookupBatcher {
    /** One caller's keys and where their values go. */
    private record Pending(String[] keys, CompletableFuture<List<byte[]>> values) {}

    private final Function<String[], CompletionStage<List<byte[]>>> read;
    private final Executor sender;
    private final int maxKeys;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /**
     * @param read    reads the values of the given keys, in order (null for an absent key)
     * @param sender  runs the sends (one at a time is enough; it only starts asynchronous reads)
     * @param maxKeys keys per read at most (a lookup is never split)
     */
    LookupBatcher(Function<String[], CompletionStage<List<byte[]>>> read, Executor sender, int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, got " + maxKeys);
        }
        this.read = read;
        this.sender = sender;
        this.maxKeys = maxKeys;
    }

    /** The values of {@code keys}, in order, read together with whatever other lookups are queued now. */
    CompletableFuture<List<byte[]>> lookup(String... keys) {
        CompletableFuture<List<byte[]>> values = new CompletableFuture<>();
        queue.add(new Pending(keys, values));
        if (scheduled.compareAndSet(false, true)) {
            try {
                sender.execute(this::send);
            } catch (RuntimeException e) { // the sender is shut down: nothing will read the queue
                scheduled.set(false);
                failQueued(e);
            }
        }
        return values;
    }

    private void send() {
        // Cleared before draining: a lookup queued after the drain schedules the next send itself.
        scheduled.set(false);
        List<Pending> batch = new ArrayList<>();
        int keys = 0;
        Pending p;
        while ((p = queue.poll()) != null) {
            if (!batch.isEmpty() && keys + p.keys().length > maxKeys) {
                read(batch, keys);
                batch = new ArrayList<>();
                keys = 0;
            }
            batch.add(p);
            keys += p.keys().length;
        }
        if (!batch.isEmpty()) {
            read(batch, keys);
        }
    }

    private void read(List<Pending> batch, int keyCount) {
        String[] keys = new String[keyCount];
        int i = 0;
        for (Pending p : batch) {
            System.arraycopy(p.keys(), 0, keys, i, p.keys().length);
            i += p.keys().length;
        }
        CompletionStage<List<byte[]>> reply;
        try {
            reply = read.apply(keys);
        } catch (RuntimeException e) {
            batch.forEach(b -> b.values().completeExceptionally(e));
            return;
        }
        reply.whenComplete((values, failure) -> {
            if (failure == null && values.size() != keyCount) {
                failure = new IllegalStateException("asked for " + keyCount + " keys, got " + values.size() + " values");
            }
            int at = 0;
            for (Pending b : batch) {
                if (failure != null) {
                    b.values().completeExceptionally(failure);
                } else {
                    b.values().complete(values.subList(at, at + b.keys().length));
                }
                at += b.keys().length;
            }
        });
    }

    private void failQueued(RuntimeException cause) {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.values().completeExceptionally(cause);
        }
    }
}
