package dev.sluice.generation.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.sluice.common.ModelCatalog;
import dev.sluice.common.ModelPrice;
import dev.sluice.common.Sanitizer;
import dev.sluice.generation.GenerationMetrics;
import dev.sluice.generation.fallback.ChainCaller;
import dev.sluice.generation.fallback.ChainResult;
import dev.sluice.generation.provider.CompletionRequest;
import dev.sluice.generation.provider.HttpErrors;
import dev.sluice.generation.resilience.CallFailedException;
import dev.sluice.generation.resilience.CallResult;
import dev.sluice.generation.semantic.SemanticCache;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.generation.store.Lookup;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;

/**
 * Decides one request's {@link Outcome}, asynchronously: one store round trip (done entry,
 * cache), then, for a request eligible for the opt-in {@link SemanticCache} with a similar earlier request in its
 * scope, one more round trip for that request's answer (a semantic hit, billed $0 like an exact hit, with
 * {@code semanticHit} set), else at most one resilient provider call, whose result is saved as "done" <em>before</em> the outcome
 * is handed to the transaction, so a crash never pays for the same completion twice.
 */
public final class RequestProcessor {
    /** Provider name on results served from the response cache. */
    public static final String CACHE_PROVIDER = "cache";
    /** Dead-letter error class of a model without a price (nothing is called). */
    public static final String UNPRICED_MODEL = dev.sluice.common.DeadLetterError.UNPRICED_MODEL.name();
    /** Dead-letter error class of an unexpected failure inside the stage. */
    public static final String INTERNAL_ERROR = dev.sluice.common.DeadLetterError.INTERNAL_ERROR.name();

    private final ChainCaller chain;
    private final GenerationStore store;
    private final ModelCatalog catalog;
    private final ProcessorSettings settings;
    private final Clock clock;
    private final GenerationMetrics metrics;
    private final Executor worker;
    private final SemanticCache semantic;

    /**
     * {@code chain} calls the requested model and, where allowed, the links after it ({@link ChainCaller#single} when
     * the model has no fallback); {@code semantic} may be disabled (a cache built from disabled settings).
     */
    public RequestProcessor(ChainCaller chain, GenerationStore store, ModelCatalog catalog, ProcessorSettings settings,
                            Clock clock, GenerationMetrics metrics, Executor worker, SemanticCache semantic) {
        this.semantic = semantic;
        this.chain = chain;
        this.store = store;
        this.catalog = catalog;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        this.worker = worker;
    }

    /** Never completes exceptionally: every failure becomes an {@link Outcome.DeadLetter}. */
    public CompletableFuture<Outcome> process(EnrichedRequest enriched) {
        long started = System.nanoTime();
        LlmRequest request = enriched.getAdmitted().getRequest();
        long reserved = enriched.getAdmitted().getReservedMicros();
        CompletionRequest call = CompletionRequest.of(request);
        Optional<ModelPrice> price = catalog.price(request.getModel());
        if (price.isEmpty()) {
            return CompletableFuture.completedFuture(new Outcome.DeadLetter(request.getRequestId(), UNPRICED_MODEL,
                    "model " + request.getModel() + " has no price in the model catalog", 0));
        }
        // The semantic cache indexes exact-cache keys, so it works only with the exact cache on. For a request it
        // serves, the exact key is scoped too: an identical prompt from another tenant must not get this answer.
        Optional<SemanticCache.Query> query = settings.cacheEnabled() ? semantic.query(enriched) : Optional.empty();
        String cacheKey = !settings.cacheEnabled() ? null
                : query.map(q -> SemanticCache.answerKey(q, CacheKey.of(call))).orElseGet(() -> CacheKey.of(call));
        long[] stamps = new long[2]; // the store's reply, the decision's start: the overhead's phases
        return store.lookup(GenerationStore.requestKey(request.getUserId(), request.getRequestId()), cacheKey)
                .thenApply(lookup -> {
                    stamps[0] = System.nanoTime();
                    return lookup;
                })
                .thenComposeAsync(lookup -> {
                    stamps[1] = System.nanoTime();
                    return decide(lookup, request, reserved, enriched.getAdmitted().getEstimatedInputTokens(),
                            call, cacheKey, query, price.get(), started, stamps);
                }, worker) // off the Redis client's I/O thread: deciding may serialise a large request (measured: inline
                           // decisions queue the replies of the lookups behind them, store phase p50 3 → 8 ms)
                .exceptionally(t -> new Outcome.DeadLetter(request.getRequestId(), INTERNAL_ERROR,
                        "unexpected " + t.getClass().getSimpleName() + " in generation", 0));
    }

    private CompletableFuture<Outcome> decide(Lookup lookup, LlmRequest request, long reserved, long inputBound,
                                              CompletionRequest call, String cacheKey, Optional<SemanticCache.Query> query,
                                              ModelPrice price, long started, long[] stamps) {
        if (lookup.done().isPresent()) {
            GenerationResult done = lookup.done().get();
            return CompletableFuture.completedFuture(new Outcome.Emit(done, costOf(done, reserved, 0), GenerationMetrics.RECOVERED));
        }
        if (lookup.cached().isPresent()) {
            GenerationResult hit = fromCache(lookup.cached().get(), request);
            return CompletableFuture.completedFuture(new Outcome.Emit(hit,
                    costOf(hit, reserved, lookup.cached().get().getCostMicros()), GenerationMetrics.CACHE_HIT));
        }
        Optional<SemanticCache.Match> match = query.flatMap(q -> semantic.find(q, clock.millis()));
        if (match.isPresent()) {
            SemanticCache.Query q = query.get();
            return store.cached(match.get().answerKey()).thenComposeAsync(answer -> {
                if (answer.isEmpty()) {
                    semantic.gone(q, match.get());
                    return callAndSave(request, reserved, inputBound, call, cacheKey, query, price, started, stamps);
                }
                semantic.served(q, match.get());
                GenerationResult hit = GenerationResult.newBuilder(fromCache(answer.get(), request)).setSemanticHit(true).build();
                return CompletableFuture.completedFuture((Outcome) new Outcome.Emit(hit,
                        costOf(hit, reserved, answer.get().getCostMicros()), GenerationMetrics.SEMANTIC_HIT));
            }, worker);
        }
        return callAndSave(request, reserved, inputBound, call, cacheKey, query, price, started, stamps);
    }

    private CompletableFuture<Outcome> callAndSave(LlmRequest request, long reserved, long inputBound, CompletionRequest call,
                                                   String cacheKey, Optional<SemanticCache.Query> query, ModelPrice price,
                                                   long started, long[] stamps) {
        // On the thread that completed the call (the provider's client or scheduler thread), not a worker: building
        // the result and sending its save is short, and the hop back to a worker was the whole "call" phase of the
        // overhead (p50 0.9 ms, p99 8-57 ms on a loaded 2-core host; 0.01 / 0.2-0.3 ms without it).
        return chain.call(call, inputBound, reserved).handle((result, failure) -> {
            if (failure != null) {
                return CompletableFuture.<Outcome>completedFuture(deadLetter(request, call, failure));
            }
            GenerationResult generated = resultOf(request, result, started);
            long overhead = (System.nanoTime() - started) - result.call().providerNanos();
            return store.saveDone(generated, settings.doneTtl()).thenApply(saved -> {
                if (cacheKey != null) {
                    store.cachePut(cacheKey, generated, settings.cacheTtl());
                    query.ifPresent(q -> semantic.put(q, cacheKey, clock.millis() + settings.cacheTtl().toMillis()));
                }
                metrics.overhead(overhead);
                metrics.overheadPhases(stamps[0] - started, stamps[1] - stamps[0], overhead);
                return (Outcome) new Outcome.Emit(generated, costOf(generated, reserved, 0), GenerationMetrics.SUCCESS);
            });
        }).thenCompose(f -> f);
    }

    private Outcome deadLetter(LlmRequest request, CompletionRequest call, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        List<String> secrets = new ArrayList<>(chain.secrets());
        List<String> prompts = HttpErrors.scrubForms(call.promptTexts());
        if (cause instanceof CallFailedException cf) {
            return new Outcome.DeadLetter(request.getRequestId(), cf.errorClass(),
                    Sanitizer.sanitize(cf.getMessage(), secrets, prompts), cf.attempts());
        }
        return new Outcome.DeadLetter(request.getRequestId(), INTERNAL_ERROR,
                "unexpected " + cause.getClass().getSimpleName() + " calling " + chain.primary().provider().name(), 0);
    }

    /** The answer of the chain link that answered, charged at that link model's price (it fits the reservation). */
    private GenerationResult resultOf(LlmRequest request, ChainResult chained, long started) {
        CallResult call = chained.call();
        ModelPrice price = catalog.price(chained.answeredBy().model()).orElseThrow();
        long in = call.completion().inputTokens();
        long out = call.completion().outputTokens();
        return GenerationResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setUserId(request.getUserId())
                .setModel(request.getModel())
                .setProvider(chained.provider().name())
                .setContent(call.completion().content())
                .setFinishReason(call.completion().finishReason())
                .setInputTokens(in)
                .setOutputTokens(out)
                .setCostMicros(price.costMicros(in, out))
                .setCacheHit(false)
                .setAttempts(chained.attempts())
                .setAnsweredModel(chained.answeredBy().model())
                .setChainAttempts(List.copyOf(chained.attemptLog()))
                .setLatencyMs((System.nanoTime() - started) / 1_000_000)
                .setMetadata(request.getMetadata())
                .setCompletedAt(clock.instant())
                .build();
    }

    /** A cache hit: the cached text, no tokens billed, cost 0, no provider attempt. */
    private GenerationResult fromCache(GenerationResult cached, LlmRequest request) {
        return GenerationResult.newBuilder(cached)
                .setRequestId(request.getRequestId())
                .setUserId(request.getUserId())
                .setProvider(CACHE_PROVIDER)
                .setInputTokens(0)
                .setOutputTokens(0)
                .setCostMicros(0)
                .setCacheHit(true)
                .setSemanticHit(false)
                .setAttempts(0)
                .setChainAttempts(List.of())
                .setLatencyMs(0)
                .setMetadata(request.getMetadata())
                .setCompletedAt(clock.instant())
                .build();
    }

    /** The cost event of a result: a pure function of it, so a re-emitted result gets an identical one. */
    static CostEvent costOf(GenerationResult result, long reservedMicros, long savedMicros) {
        Instant at = result.getCompletedAt();
        return CostEvent.newBuilder()
                .setRequestId(result.getRequestId())
                .setUserId(result.getUserId())
                .setModel(result.getModel())
                .setProvider(result.getProvider())
                .setInputTokens(result.getInputTokens())
                .setOutputTokens(result.getOutputTokens())
                .setCostMicros(result.getCostMicros())
                .setSavedMicros(savedMicros)
                .setReservedMicros(reservedMicros)
                .setCacheHit(result.getCacheHit())
                .setSemanticHit(result.getSemanticHit())
                .setAnsweredModel(result.getAnsweredModel())
                .setChainAttempts(result.getChainAttempts())
                .setOccurredAt(at)
                .build();
    }
}
