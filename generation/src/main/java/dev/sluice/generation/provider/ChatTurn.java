package dev.sluice.generation.provider;

import java.util.Objects;

/** One message of a conversation in provider terms: role is {@code system}, {@code user} or {@code assistant}. */
public record ChatTurn(String role, String content) {
    public ChatTurn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
