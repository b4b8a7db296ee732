package dev.sluice.generation.fallback;

import java.util.List;

import dev.sluice.generation.provider.LlmProvider;
import dev.sluice.generation.resilience.CallResult;

/**
 * A chain's answer: the call result of the link that answered, that link's model and provider, the provider calls
 * made over all links, and one line per link tried ({@code <link> <outcome> after <n> calls}).
 */
public record ChainResult(CallResult call, FallbackChains.Link answeredBy, LlmProvider provider, int attempts,
                          List<String> attemptLog) {
    public ChainResult {
        attemptLog = List.copyOf(attemptLog);
    }
}
