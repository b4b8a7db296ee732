package dev.sluice.launcher.infra;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

import dev.sluice.common.StageProvider;
import dev.sluice.contracts.Pipeline;
import dev.sluice.launcher.LauncherException;

/** The stages this jar holds, discovered through {@link ServiceLoader} from {@code META-INF/services}. */
public final class StageCatalog {
    /** Pipeline order, so the demo starts consumers downstream-last and summaries read top to bottom. */
    private static final java.util.List<String> ORDER = Pipeline.STAGES;

    private final Map<String, StageProvider> providers;

    public StageCatalog(Map<String, StageProvider> providers) {
        Map<String, StageProvider> sorted = new TreeMap<>((a, b) -> {
            int ia = ORDER.indexOf(a);
            int ib = ORDER.indexOf(b);
            return ia >= 0 && ib >= 0 ? Integer.compare(ia, ib) : ia >= 0 ? -1 : ib >= 0 ? 1 : a.compareTo(b);
        });
        sorted.putAll(providers);
        this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
    }

    /** Every provider on the class path. */
    public static StageCatalog discover() {
        Map<String, StageProvider> found = new LinkedHashMap<>();
        for (StageProvider provider : ServiceLoader.load(StageProvider.class)) {
            found.putIfAbsent(provider.name(), provider);
        }
        return new StageCatalog(found);
    }

    /** Providers by name, in pipeline order. */
    public Map<String, StageProvider> all() {
        return providers;
    }

    /** The provider of {@code name}, or a failure listing the available ones. */
    public StageProvider require(String name) {
        StageProvider provider = providers.get(name);
        if (provider == null) {
            throw new LauncherException("unknown stage '" + name + "'; " + describeAvailable());
        }
        return provider;
    }

    /** "available stages: ingest, enrichment" or why there are none. */
    public String describeAvailable() {
        return providers.isEmpty()
                ? "this build has no stages (no META-INF/services/dev.sluice.common.StageProvider on the class path); "
                        + "rebuild with ./mvnw -q package -DskipTests"
                : "available stages: " + String.join(", ", providers.keySet());
    }
}
