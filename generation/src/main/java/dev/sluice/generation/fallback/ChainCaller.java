package dev.sluice.generation.fallback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.sluice.common.ModelCatalog;
import dev.sluice.common.ModelPrice;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.resilience.CallFailedException;
import dev.sluice.generation.resilience.CallResult;
import dev.sluice.generation.resilience.ResilientCaller;

/**
 * Calls a request's model and, while a link fails in a way that cannot have been billed, the next link of its
 * fallback chain. Never pays twice: a fallback call is made only after
 * <ul>
 *   <li>{@code BREAKER_OPEN}: the link's breaker refused the call (a link with a successor does not wait for its
 *       breaker, it falls back at once); any attempts before were retriable failures, none billed;</li>
 *   <li>{@code RETRIES_EXHAUSTED}: every attempt failed with a class the provider documents as unbilled (connection
 *       refused before the body was taken, 429, 503/529, local throttling).</li>
 * </ul>
 * Never after {@code OUTCOME_UNKNOWN}, {@code SERVER_ERROR} (500/502/504 may have run), a malformed answer, or a
 * request error (400, 401, content policy), which would fail on every link anyway. A link whose worst case (the
 * admission's input bound and the request's maxOutputTokens at the link model's price) exceeds what admission
 * reserved is refused (skipped), so the charge stays within the reservation.
 */
public final class ChainCaller {
    private final ResilientCaller primary;
    private final Map<String, ResilientCaller> endpoints;
    private final FallbackChains chains;
    private final ModelCatalog catalog;

    public ChainCaller(ResilientCaller primary, Map<String, ResilientCaller> endpoints, FallbackChains chains, ModelCatalog catalog) {
        this.primary = primary;
        this.endpoints = Map.copyOf(endpoints);
        this.chains = chains;
        this.catalog = catalog;
    }

    /** A chain of one link: the primary provider only. */
    public static ChainCaller single(ResilientCaller primary, ModelCatalog catalog) {
        return new ChainCaller(primary, Map.of(), FallbackChains.NONE, catalog);
    }

    /** The main provider's caller. */
    public ResilientCaller primary() {
        return primary;
    }

    /** Every secret of every provider a link may call, to scrub from messages. */
    public List<String> secrets() {
        Set<String> out = new LinkedHashSet<>(primary.provider().secrets());
        endpoints.values().forEach(c -> out.addAll(c.provider().secrets()));
        return List.copyOf(out);
    }

    /**
     * Calls {@code request}'s chain; {@code inputBound} and {@code reservedMicros} come from admission. Fails only with
     * {@link CallFailedException} (the last link's class; attempts summed over the links).
     */
    public CompletableFuture<ChainResult> call(CompletionRequest request, long inputBound, long reservedMicros) {
        List<FallbackChains.Link> links = chains.linksOf(request.model());
        CompletableFuture<ChainResult> out = new CompletableFuture<>();
        attempt(request, links, 0, inputBound, reservedMicros, 0, new ArrayList<>(), out);
        return out;
    }

    private void attempt(CompletionRequest request, List<FallbackChains.Link> links, int index, long inputBound,
                         long reservedMicros, int attemptsSoFar, List<String> log, CompletableFuture<ChainResult> out) {
        FallbackChains.Link link = links.get(index);
        List<String> refused = new ArrayList<>();
        int next = nextAffordable(request, links, index + 1, inputBound, reservedMicros, refused);
        ResilientCaller caller = link.endpoint() == null ? primary : endpoints.get(link.endpoint());
        CompletionRequest call = index == 0 ? request : new CompletionRequest(request.requestId(), link.model(),
                request.messages(), request.maxOutputTokens(), request.temperature(),
                request.idempotencyKey() == null ? null : request.idempotencyKey() + "-" + index);
        CompletableFuture<CallResult> pending = next < 0 ? caller.call(call)
                : caller.call(call, Duration.ZERO); // a successor exists: do not wait for an open breaker
        pending.whenComplete((result, failure) -> {
            if (failure == null) {
                log.add(link + " answered after " + result.attempts() + " calls");
                out.complete(new ChainResult(result, link, caller.provider(), attemptsSoFar + result.attempts(), log));
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (!(cause instanceof CallFailedException cf)) {
                out.completeExceptionally(cause);
                return;
            }
            log.add(link + " " + cf.errorClass() + " after " + cf.attempts() + " calls");
            int total = attemptsSoFar + cf.attempts();
            if (fallsBack(cf)) {
                log.addAll(refused); // why the links in between were skipped (or why nothing was left to try)
            }
            if (next >= 0 && fallsBack(cf)) {
                attempt(request, links, next, inputBound, reservedMicros, total, log, out);
            } else {
                String chain = log.size() > 1 ? " (chain: " + String.join("; ", log) + ")" : "";
                out.completeExceptionally(new CallFailedException(cf.errorClass(), cf.getMessage() + chain, total));
            }
        });
    }

    /** The index of the next link at or after {@code from} whose worst case fits the reservation; -1 if none. */
    private int nextAffordable(CompletionRequest request, List<FallbackChains.Link> links, int from, long inputBound,
                               long reservedMicros, List<String> refused) {
        for (int i = from; i < links.size(); i++) {
            FallbackChains.Link link = links.get(i);
            Optional<ModelPrice> price = catalog.price(link.model());
            long worst = price.map(p -> p.costMicros(inputBound, request.maxOutputTokens())).orElse(Long.MAX_VALUE);
            if (price.isPresent() && worst <= reservedMicros) {
                return i;
            }
            String why = price.isEmpty() ? "no price" : "worst case " + worst + " > reserved " + reservedMicros + " micro-USD";
            refused.add(link + " refused: " + why);
        }
        return -1;
    }

    /** Only failures the provider cannot have billed move on to the next link. */
    static boolean fallsBack(CallFailedException failure) {
        return CallFailedException.BREAKER_OPEN.equals(failure.errorClass())
                || CallFailedException.RETRIES_EXHAUSTED.equals(failure.errorClass());
    }
}
