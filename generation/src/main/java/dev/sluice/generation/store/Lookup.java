package dev.sluice.generation.store;

import java.util.Optional;

import dev.sluice.schema.GenerationResult;

/**
 * What the store knows about a request before it is processed, fetched in one round trip.
 *
 * @param done      a result computed earlier whose transaction may not have committed: re-emit it, do not call
 * @param cached    a cached answer to the same model + messages + parameters
 */
public record Lookup(Optional<GenerationResult> done, Optional<GenerationResult> cached) {
    public static final Lookup EMPTY = new Lookup(Optional.empty(), Optional.empty());
}
