package dev.sluice.generation.engine;

import dev.sluice.schema.CostEvent;
import dev.sluice.schema.GenerationResult;

/** What processing one request decided: exactly one of these per consumed record. */
public sealed interface Outcome {
    /** Publish a result and its cost event. {@code kind} is a metrics outcome (success, cache_hit, recovered). */
    record Emit(GenerationResult result, CostEvent cost, String kind) implements Outcome {}

    /** Publish the original record to the dead-letter topic. The message is sanitised. */
    record DeadLetter(String requestId, String errorClass, String message, int attempts) implements Outcome {}

    /** Publish nothing: a result for this requestId was already committed. */
    record Skip(String requestId) implements Outcome {}
}
