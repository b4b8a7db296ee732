package dev.sluice.launcher;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.sluice.common.StageHealth;

/**
 * Checks a running stage's liveness every {@link #PERIOD} and reports once when it has been not live for
 * {@link #CHECKS} checks in a row (a dead processing loop or stream thread never comes back by itself, and a
 * process that keeps answering "alive" is never restarted). One transient miss is tolerated.
 */
final class LivenessWatch implements AutoCloseable {
    /** Time between checks. */
    static final Duration PERIOD = Duration.ofSeconds(1);
    /** Consecutive failed checks before the stage counts as dead: not live for ~2 s. */
    static final int CHECKS = 3;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-liveness");
        t.setDaemon(true);
        return t;
    });
    private int misses;
    private boolean reported;

    private LivenessWatch() {}

    static LivenessWatch start(Supplier<StageHealth> health, Consumer<String> onDead) {
        LivenessWatch watch = new LivenessWatch();
        watch.timer.scheduleAtFixedRate(() -> watch.check(health, onDead), PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    private void check(Supplier<StageHealth> health, Consumer<String> onDead) {
        if (reported) {
            return;
        }
        StageHealth h;
        try {
            h = health.get();
        } catch (RuntimeException e) {
            h = new StageHealth(false, false, false, java.util.Map.of("error", e.getClass().getSimpleName()));
        }
        misses = h.live() ? 0 : misses + 1;
        if (misses >= CHECKS) {
            reported = true;
            onDead.accept(h.details().toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
