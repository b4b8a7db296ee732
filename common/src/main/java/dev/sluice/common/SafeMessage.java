package dev.sluice.common;

import java.util.List;

/**
 * Marks an exception whose message names no payload, prompt text or secret (it is composed from identifiers, counts,
 * host names and sanitised text), so a log line or a health detail may show it. Any other exception is shown by its
 * class name alone ({@link #shown}).
 */
public interface SafeMessage {

    /** {@code t}'s class name, followed by its message when {@code t} is a {@link SafeMessage}. */
    static String shown(Throwable t) {
        String name = t.getClass().getSimpleName();
        if (!(t instanceof SafeMessage) || t.getMessage() == null) {
            return name;
        }
        return name + ": " + Sanitizer.sanitize(t.getMessage(), List.of(), List.of()); // and anything shaped like a key
    }
}
