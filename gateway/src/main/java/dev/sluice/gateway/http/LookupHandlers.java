package dev.sluice.gateway.http;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.common.ModelCatalog;
import dev.sluice.gateway.keys.Principal;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.gateway.outcome.OutcomeLookup;
import dev.sluice.gateway.outcome.Waiters;

/** The read-only endpoints: {@code GET /v1/models} and {@code GET /v1/sluice/requests/{id}}. */
public final class LookupHandlers {
    private final Authenticator auth;
    private final ModelCatalog models;
    private final Waiters waiters;
    private final OutcomeLookup lookup;
    private final long createdEpochSecond;

    public LookupHandlers(Authenticator auth, ModelCatalog models, Waiters waiters, OutcomeLookup lookup, long createdEpochSecond) {
        this.auth = auth;
        this.lookup = lookup;
        this.models = models;
        this.waiters = waiters;
        this.createdEpochSecond = createdEpochSecond;
    }

    /** The model catalog (allowlist) in OpenAI's list shape. */
    public CompletableFuture<Reply> models(HttpCall call) {
        auth.require(call);
        ObjectNode body = Json.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        for (String id : models.models()) {
            data.add(Json.object().put("id", id).put("object", "model").put("created", createdEpochSecond).put("owned_by", "sluice"));
        }
        return CompletableFuture.completedFuture(Reply.json(200, body));
    }

    /**
     * The outcome of one of the caller's own requests (after a 504, say), as the completion, the error it ended
     * with, or 404 while it is pending or older than the look-up window. Another user's id is a 404 too. Answered
     * from this instance's recent replies, else looked up in the user's partition of the outcome topics (the call
     * may have been sent through another instance, whose reply partition got the outcome).
     */
    public CompletableFuture<Reply> request(HttpCall call) {
        Principal principal = auth.require(call);
        String requestId = call.pathParam(1);
        java.util.Optional<Outcome> known = waiters.recent(principal.userId(), requestId);
        CompletableFuture<java.util.Optional<Outcome>> outcome = known.isPresent() ? CompletableFuture.completedFuture(known)
                : lookup.find(principal.userId(), requestId);
        return outcome.handle((o, failure) -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
            if (cause instanceof OutcomeLookup.Incomplete incomplete) {
                throw ApiError.of(503, "server_error", "lookup_incomplete", null, incomplete.getMessage()
                        + ": try again, or shorten gateway.outcome.lookback.ms", Map.of("Retry-After", "1"));
            }
            if (failure != null) {
                throw failure instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(failure);
            }
            return OutcomeReplies.reply(o.orElseThrow(() -> ApiError.notFound(
                    "no outcome known for request " + ChatRequestParser.shorten(requestId) + " of this key's user: it is still in the "
                            + "pipeline, or older than the look-up window (gateway.outcome.lookback.ms)")), false);
        });
    }
}
