package dev.sluice.common.demo;

import java.nio.file.Path;

/**
 * What {@code sluice demo} tells a stage before it asks for the stage's {@link StageDemo#settings settings}.
 *
 * @param workDir    a directory of the demo's own, deleted when it exits (the provider's outage switch lives there)
 * @param metricsUrl the demo process's Prometheus endpoint, where every stage's meters are (the dashboard scrapes it)
 * @param model      the model the demo's workload asks for
 */
public record DemoContext(Path workDir, String metricsUrl, String model) {}
