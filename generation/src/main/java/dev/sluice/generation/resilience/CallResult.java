package dev.sluice.generation.resilience;

import dev.sluice.generation.provider.Completion;

/**
 * A successful call: the completion, the provider attempts it took, and the time spent inside provider
 * attempts (nanoseconds), so the stage can tell its own overhead from the provider's latency.
 */
public record CallResult(Completion completion, int attempts, long providerNanos) {}
