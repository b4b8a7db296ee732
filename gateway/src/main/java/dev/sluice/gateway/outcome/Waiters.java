package dev.sluice.gateway.outcome;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.schema.RejectReason;

/**
 * Requests waiting for their outcome, and the outcomes of the last while (so a retry, a 504'd client or another
 * instance's duplicate can still be answered). Keyed by (userId, requestId): request ids are only unique per user.
 *
 * <p>A {@code DUPLICATE} rejection never ends a wait: it means an earlier attempt with the same id was admitted,
 * so that attempt's result (already seen, or still to come) is the answer. A rejection older than the attempt
 * (by more than {@link #SKEW_MS}) belongs to an earlier attempt with the same id and is ignored for this one.
 */
public final class Waiters {
    /** Tolerance between this host's clock and the time admission stamps on rejections, in milliseconds. */
    static final long SKEW_MS = 2_000;

    private record Waiter(CompletableFuture<Outcome> future, long sentAtMs) {}

    private final Map<String, List<Waiter>> waiting = new ConcurrentHashMap<>();
    /** The waits not yet ended: read on every call (the overload check), so counted, never summed over the map. */
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    private final Map<String, Outcome> recent;
    private volatile java.util.function.Consumer<Outcome> unanswered = o -> {};

    /** @param recentCapacity how many recent outcomes to remember (least recently seen are forgotten first) */
    public Waiters(int recentCapacity) {
        this.recent = java.util.Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Outcome> eldest) {
                return size() > recentCapacity;
            }
        });
    }

    /**
     * Called (once per such rejection) when a {@code DUPLICATE} reaches calls waiting here and this instance has not
     * seen the first attempt's answer: that answer went to the instance the first attempt was sent through, so it
     * must be looked up (the gateway follows the user's partition of the outcome topics and offers what it finds).
     */
    public void onUnansweredDuplicate(java.util.function.Consumer<Outcome> handler) {
        this.unanswered = handler;
    }

    private static String key(String userId, String requestId) {
        return userId + '\u0000' + requestId;
    }

    /** Registers a wait; call before publishing so an outcome can never slip past. */
    public CompletableFuture<Outcome> await(String userId, String requestId, long sentAtMs) {
        Waiter waiter = new Waiter(new CompletableFuture<>(), sentAtMs);
        String key = key(userId, requestId);
        waiting.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(waiter);
        open.incrementAndGet();
        waiter.future.whenComplete((o, e) -> {
            open.decrementAndGet();
            waiting.computeIfPresent(key, (k, list) -> {
                list.remove(waiter);
                return list.isEmpty() ? null : list;
            });
        });
        return waiter.future;
    }

    /** Hands an outcome read from the topics to whoever waits for it, and remembers it. */
    public void offer(Outcome outcome) {
        String key = key(outcome.userId(), outcome.requestId());
        boolean duplicate = outcome instanceof Outcome.Rejected r && r.rejection().getReason() == RejectReason.DUPLICATE;
        if (!duplicate) {
            recent.put(key, outcome);
        }
        List<Waiter> list = waiting.get(key);
        if (list == null) {
            return;
        }
        if (duplicate && answered(outcome.userId(), outcome.requestId()).isEmpty()) {
            unanswered.accept(outcome);
        }
        for (Waiter w : list) {
            if (duplicate) {
                answered(outcome.userId(), outcome.requestId()).ifPresent(w.future::complete);
            } else if (outcome instanceof Outcome.Rejected r && r.rejection().getRejectedAt().toEpochMilli() < w.sentAtMs - SKEW_MS) {
                continue;
            } else {
                w.future.complete(outcome);
            }
        }
    }

    /** Whether a call waits here for this request's outcome right now. */
    public boolean waiting(String userId, String requestId) {
        return waiting.containsKey(key(userId, requestId));
    }

    /** The remembered result or dead letter of an admitted request (what a duplicate should answer with). */
    public Optional<Outcome> answered(String userId, String requestId) {
        Outcome o = recent.get(key(userId, requestId));
        return o instanceof Outcome.Rejected ? Optional.empty() : Optional.ofNullable(o);
    }

    /** Any remembered outcome of the request. */
    public Optional<Outcome> recent(String userId, String requestId) {
        return Optional.ofNullable(recent.get(key(userId, requestId)));
    }

    /** Requests waiting right now (a gauge). */
    public int open() {
        return open.get();
    }
}
