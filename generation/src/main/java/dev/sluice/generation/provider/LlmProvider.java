package dev.sluice.generation.provider;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One LLM API. Calls are asynchronous and make exactly one attempt: retries, time limits and breakers are the
 * caller's ({@link dev.sluice.generation.resilience.ResilientCaller}), so there is one retry loop only.
 * Failures complete the future with a {@link ProviderException} whose message is already sanitised.
 */
public interface LlmProvider extends AutoCloseable {
    /** Name used in results, cost events, metrics and breaker names: anthropic, openai, simulated. */
    String name();

    /** Starts one call. Never throws; failures complete the future exceptionally. */
    CompletableFuture<Completion> complete(CompletionRequest request);

    /** Secret values (API keys) this provider holds, so dead letters and logs can be scrubbed of them. */
    List<String> secrets();

    @Override
    default void close() {}
}
