package dev.sluice.generation;

import dev.sluice.testkit.MutableClock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler that records every requested delay and runs the task at once: retries and waits happen
 * instantly in tests while the waits the code asked for stay observable.
 */
public class RecordingScheduler extends ScheduledThreadPoolExecutor {
    private final List<Long> delaysMillis = new CopyOnWriteArrayList<>();
    private final MutableClock clock;

    public RecordingScheduler() {
        this(null);
    }

    /** Also advances {@code clock} by each delay: simulated time passes exactly as the code asked. */
    public RecordingScheduler(MutableClock clock) {
        super(1, r -> {
            Thread t = new Thread(r, "recording-scheduler");
            t.setDaemon(true);
            return t;
        });
        this.clock = clock;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        record(unit.toMillis(delay));
        return super.schedule(command, 0, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        record(unit.toMillis(delay));
        return super.schedule(callable, 0, unit);
    }

    private void record(long millis) {
        delaysMillis.add(millis);
        if (clock != null) {
            clock.advance(java.time.Duration.ofMillis(millis));
        }
    }

    /** Every delay asked for, in milliseconds. */
    public List<Long> delaysMillis() {
        return List.copyOf(delaysMillis);
    }
}
