/**
 * The ingest stage (admission): {@link dev.sluice.ingest.IngestStage}, its launcher registration and its
 * configuration ({@link dev.sluice.ingest.IngestConfig} with {@link dev.sluice.ingest.TierLimits}). The work is in
 * the subpackages, from the bottom up: {@code wire} (the bytes in and out), {@code rules} (stateless checks),
 * {@code admission} (the topology, its processors and their state) and {@code ceiling} (the optional global spend
 * ceiling).
 */
package dev.sluice.ingest;
