package dev.sluice.ingest.ceiling;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The admission task's side of the global ceiling. A request is admitted only if its worst case fits what this task
 * holds of every window's ceiling (base share + granted slices − used); it then takes it. Nothing on this path leaves
 * the task: no shared key, no remote call. When a lease runs low (or a request does not fit) the task asks the
 * coordinator for another slice through the lease-requests topic; the grant comes back on the task's own partition of
 * the lease-grants topic ({@link #onGrant}). Unused slices of an idle task go back ({@link #returnIdle}).
 *
 * <p>Invariant: for each window, Σ over partitions of (base share + granted) ≤ ceiling (the coordinator grants at most
 * the pool = ceiling − Σ base shares, and a return lowers a task's granted before the coordinator may re-grant it), and
 * each task's used ≤ its base share + granted. So the worst case admitted in a window never exceeds the ceiling, and
 * since a charge never exceeds its reservation, neither does the money spent on requests admitted in it. A killed
 * instance's task state is restored from its changelog by its successor, so its leases stay counted (and usable).
 */
public final class GlobalCeiling {
    /** How soon a refused request may retry while a slice is on its way (or the pool may refill), milliseconds. */
    public static final long LEASE_RETRY_MS = 1_000;
    /** An unanswered lease request is asked again after this much broker time (the answer was for a stale window). */
    static final long ASK_AGAIN_MS = 10_000;

    /** Why a request does not fit, with when it could. */
    public record Refusal(CeilingWindow window, long retryAfterMs, String rule, String detail) {}

    private final CeilingConfig config;
    private final int partitions;
    private final int partition;
    private final KeyValueStore<String, byte[]> leases;
    private final Consumer<LeaseMessage> send;
    private final LongSupplier wallClock;
    private final List<CeilingWindow> windows = new ArrayList<>();

    public GlobalCeiling(CeilingConfig config, int partitions, int partition, KeyValueStore<String, byte[]> leases,
                         Consumer<LeaseMessage> send, LongSupplier wallClock) {
        this.config = config;
        this.partitions = partitions;
        this.partition = partition;
        this.leases = leases;
        this.send = send;
        this.wallClock = wallClock;
        for (CeilingWindow w : CeilingWindow.values()) {
            if (config.ceiling(w) > 0) {
                windows.add(w);
            }
        }
    }

    /**
     * Takes {@code worstCaseMicros} from every window's lease at broker time {@code at} and returns null, or takes
     * nothing and says why. May send lease requests either way.
     */
    public Refusal take(long at, long worstCaseMicros) {
        TaskLease[] current = new TaskLease[windows.size()];
        Refusal refusal = null;
        for (int i = 0; i < windows.size(); i++) {
            CeilingWindow w = windows.get(i);
            current[i] = lease(w, at);
            long remaining = current[i].remaining(base(w));
            if (remaining < worstCaseMicros && refusal == null) {
                current[i] = askIfDue(w, current[i], at, worstCaseMicros - remaining);
                // Once the coordinator said the pool is empty, the next window is when it surely refills (a re-ask may
                // still find money other partitions returned, and then a caller retrying earlier is admitted earlier).
                boolean exhausted = current[i].exhaustedAt() != 0;
                long toNextWindow = Math.max(0, w.nextStart(at) - at);
                refusal = new Refusal(w, exhausted ? toNextWindow : Math.min(LEASE_RETRY_MS, toNextWindow),
                        "global spend per UTC " + w.name().toLowerCase() + " at most " + config.ceiling(w) + " micro-USD",
                        exhausted ? "the platform's spend ceiling for this " + w.name().toLowerCase() + " is reached; it resets at the next "
                                + w.name().toLowerCase()
                                : "the platform's spend ceiling is nearly reached for this " + w.name().toLowerCase()
                                + "; more may be available shortly");
            }
        }
        long wall = wallClock.getAsLong();
        for (int i = 0; i < windows.size(); i++) {
            CeilingWindow w = windows.get(i);
            TaskLease l = refusal == null ? current[i].take(worstCaseMicros, wall) : current[i];
            if (refusal == null && l.remaining(base(w)) < slice(w)) {
                l = askIfDue(w, l, at, 0);
            }
            leases.put(w.key(), l.encode());
        }
        return refusal;
    }

    /** A grant from the coordinator for this task: adds it to the lease of its window, if that is still current. */
    public void onGrant(LeaseMessage grant, long at) {
        byte[] raw = leases.get(grant.window().key());
        if (raw == null) {
            return; // granted for a window this task never held: counted by the coordinator, unused (conservative)
        }
        TaskLease l = TaskLease.decode(raw);
        if (l.windowNumber() != grant.windowNumber()) {
            return; // the window passed: the grant stays counted for it and lapses with it
        }
        leases.put(grant.window().key(), l.granted(grant.amountMicros(), grant.exhausted(), at, wallClock.getAsLong()).encode());
    }

    /**
     * Hands back the unused granted money of every lease of the current window that has not been taken from for the
     * configured idle time, so busier partitions can get it. Runs as a wall-clock punctuation: {@code wall} is the
     * wall-clock time, which also stands in for broker time to tell the current window.
     */
    public void returnIdle(long wall) {
        long at = wall;
        for (CeilingWindow w : windows) {
            byte[] raw = leases.get(w.key());
            if (raw == null) {
                continue;
            }
            TaskLease l = TaskLease.decode(raw);
            long unused = Math.min(l.grantedMicros(), l.remaining(base(w)));
            if (l.windowNumber() != w.of(at) || l.askedAt() != 0 || unused <= 0
                    || wall - l.lastTakeAt() < config.returnIdle().toMillis()) {
                continue;
            }
            // Lower our own count first: the return is sent in the same transaction, so the coordinator can re-grant
            // the money only after this task can no longer use it.
            leases.put(w.key(), l.returned(unused).encode());
            send.accept(new LeaseMessage(LeaseMessage.Kind.RETURN, w, l.windowNumber(), partition, unused, false));
        }
    }

    /** This task's lease of {@code w} for the window containing {@code at} (a fresh one when the window turned). */
    private TaskLease lease(CeilingWindow w, long at) {
        byte[] raw = leases.get(w.key());
        long number = w.of(at);
        if (raw == null) {
            return TaskLease.fresh(number);
        }
        TaskLease l = TaskLease.decode(raw);
        // A record older than the lease's window (time is monotonic per user, not per task) is judged in the newer one.
        return l.windowNumber() >= number ? l : TaskLease.fresh(number);
    }

    private TaskLease askIfDue(CeilingWindow w, TaskLease l, long at, long shortfall) {
        boolean pending = l.askedAt() != 0 && at - l.askedAt() < ASK_AGAIN_MS;
        boolean recentlyExhausted = l.exhaustedAt() != 0 && at - l.exhaustedAt() < LEASE_RETRY_MS;
        if (pending || recentlyExhausted) {
            return l;
        }
        send.accept(new LeaseMessage(LeaseMessage.Kind.REQUEST, w, l.windowNumber(), partition,
                Math.max(slice(w), shortfall), false));
        return l.asked(Math.max(1, at));
    }

    private long base(CeilingWindow w) {
        return config.baseShare(w, partitions);
    }

    private long slice(CeilingWindow w) {
        return config.slice(w, partitions);
    }
}
