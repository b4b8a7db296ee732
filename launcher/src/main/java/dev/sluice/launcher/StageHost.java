package dev.sluice.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.common.StageProvider;
import dev.sluice.launcher.http.HealthJson;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Runs one or more stages in this JVM: builds each from its provider, starts them in pipeline order,
 * reports their combined health, and closes them in reverse order (once).
 */
public final class StageHost implements AutoCloseable {
    private final List<String> names;
    private final List<Stage> started = new ArrayList<>();
    private volatile boolean closed;

    private StageHost(List<String> names) {
        this.names = names;
    }

    /** Builds and starts every provider's stage; on a failure, closes the ones already started and rethrows. */
    public static StageHost start(List<StageProvider> providers, SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        StageHost host = new StageHost(providers.stream().map(StageProvider::name).toList());
        try {
            for (StageProvider provider : providers) {
                Stage stage = provider.create(config, catalog, meters);
                host.started.add(stage);
                stage.start();
            }
            return host;
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /** A host with nothing started yet, whose health says STARTING (serve /health before the stages start). */
    public static StageHealth startingHealth(List<StageProvider> providers) {
        return HealthJson.starting(providers.stream().map(StageProvider::name).toList());
    }

    /** The one stage's health, or all stages' combined with details prefixed by stage name. */
    public StageHealth health() {
        if (closed) {
            return new StageHealth(false, false, false, Map.of("state", "CLOSED"));
        }
        Map<String, StageHealth> byStage = new LinkedHashMap<>();
        for (Stage stage : List.copyOf(started)) {
            try {
                byStage.put(stage.name(), stage.health());
            } catch (RuntimeException e) {
                byStage.put(stage.name(), HealthJson.failed(e.getClass().getSimpleName()));
            }
        }
        return byStage.size() == 1 ? byStage.values().iterator().next() : HealthJson.combine(byStage);
    }

    public List<String> names() {
        return names;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (RuntimeException e) {
                System.err.println("sluice: closing stage " + started.get(i).name() + " failed: " + e.getMessage());
            }
        }
    }
}
