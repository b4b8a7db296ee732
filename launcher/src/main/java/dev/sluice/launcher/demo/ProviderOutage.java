package dev.sluice.launcher.demo;

/**
 * Injects a provider outage into the demo's generation stage, so its circuit breaker visibly opens and
 * closes again.
 *
 * <p>TODO(generation): the simulated provider does not yet expose a runtime switch (its failure rate is
 * fixed at construction). Once the generation stage offers one (e.g. a shared outage toggle or a config
 * key read per call), implement {@link #begin()}/{@link #end()} with it; until then the demo reports the
 * breaker as "not exercised".
 */
public interface ProviderOutage {
    /** Makes every provider call fail (retryable, e.g. 503) from now on. */
    void begin();

    /** Restores the provider. */
    void end();

    /** Whether this implementation can inject an outage at all. */
    boolean supported();

    /** No outage injection available. */
    ProviderOutage NONE = new ProviderOutage() {
        @Override public void begin() {}
        @Override public void end() {}
        @Override public boolean supported() { return false; }
    };
}
