package dev.sluice.launcher.demo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;

/**
 * Samples every circuit-breaker state gauge in the registry (any gauge named {@code *breaker.state}, e.g.
 * {@code sluice.generation.breaker.state}: 0 closed, 1 open, 2 half-open) every 100 ms and records each
 * change, so the summary can show the transitions a run went through.
 */
public final class BreakerSampler implements AutoCloseable {
    private static final String[] STATES = {"CLOSED", "OPEN", "HALF_OPEN", "OTHER"};

    private final MeterRegistry registry;
    private final ScheduledExecutorService timer;
    private final Map<String, String> last = new HashMap<>();
    private final List<String> transitions = new ArrayList<>();

    public BreakerSampler(MeterRegistry registry) {
        this.registry = registry;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-breaker-sampler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::sample, 0, 100, TimeUnit.MILLISECONDS);
    }

    private synchronized void sample() {
        for (io.micrometer.core.instrument.Meter meter : registry.getMeters()) {
            if (!(meter instanceof Gauge gauge) || !gauge.getId().getName().endsWith("breaker.state")) {
                continue;
            }
            String name = label(gauge);
            double v = gauge.value();
            String state = Double.isNaN(v) ? "OTHER" : STATES[(int) Math.max(0, Math.min(3, v))];
            String before = last.put(name, state);
            if (before != null && !before.equals(state)) {
                transitions.add(name + ": " + before + " → " + state);
            }
        }
    }

    private static String label(Gauge gauge) {
        StringBuilder b = new StringBuilder();
        for (Tag tag : gauge.getId().getTagsAsIterable()) {
            if (!tag.getKey().equals("process")) {
                b.append(b.length() == 0 ? "" : "/").append(tag.getValue());
            }
        }
        return b.length() == 0 ? gauge.getId().getName() : b.toString();
    }

    /** Every state change seen, in order. */
    public synchronized List<String> transitions() {
        return List.copyOf(transitions);
    }

    /** Breakers seen at all (name → last state). */
    public synchronized Map<String, String> states() {
        return Map.copyOf(last);
    }

    @Override
    public void close() {
        sample();
        timer.shutdownNow();
    }
}
