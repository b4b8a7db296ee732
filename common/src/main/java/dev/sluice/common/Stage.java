package dev.sluice.common;

/**
 * A pipeline stage's lifecycle, as the launcher sees it: built from configuration (wiring only), then
 * started, probed for health, and closed. Each stage module has one implementation.
 */
public interface Stage extends AutoCloseable {
    /** Short name: ingest, enrichment, generation, analytics. */
    String name();

    /** Starts consuming. Returns once the stage's threads are running; fails fast on unreachable dependencies. */
    void start();

    /** Liveness and readiness, with details (Kafka, registry, Redis, breaker states) for {@code /health}. */
    StageHealth health();

    /** Stops consuming, finishes or abandons in-flight work safely, and releases resources. */
    @Override
    void close();
}
