package dev.sluice.generation.provider;

/**
 * A provider's answer: the text, the normalised finish reason ({@code stop}, {@code length},
 * {@code content_filter} or {@code other}) and the tokens the provider reports having billed.
 */
public record Completion(String content, String finishReason, long inputTokens, long outputTokens) {
    public Completion {
        if (inputTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative: " + inputTokens + ", " + outputTokens);
        }
    }
}
