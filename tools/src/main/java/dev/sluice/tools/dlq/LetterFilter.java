package dev.sluice.tools.dlq;

import java.time.Instant;
import java.util.Set;

import dev.sluice.common.DeadLetterError;
import dev.sluice.schema.DeadLetter;

/**
 * Which dead letters a command works on. Every criterion is optional (null or empty = any); a letter must match
 * all given ones. Time is the letter's {@code failedAt}, {@code from} inclusive, {@code to} exclusive.
 */
public record LetterFilter(Instant from, Instant to, String stage, String errorClass, String user, Set<String> coordinates) {
    public LetterFilter {
        coordinates = coordinates == null ? Set.of() : Set.copyOf(coordinates);
    }

    public static LetterFilter all() {
        return new LetterFilter(null, null, null, null, null, Set.of());
    }

    public boolean matches(Letter letter) {
        DeadLetter v = letter.view();
        return (from == null || !v.getFailedAt().isBefore(from))
                && (to == null || v.getFailedAt().isBefore(to))
                && (stage == null || stage.equalsIgnoreCase(v.getStage()))
                && (errorClass == null || DeadLetterError.canonical(errorClass).equalsIgnoreCase(DeadLetterError.canonical(v.getErrorClass())))
                && (user == null || user.equals(v.getUserId()))
                && (coordinates.isEmpty() || coordinates.contains(letter.coordinates()));
    }
}
