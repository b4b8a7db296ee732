package dev.sluice.gateway.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.RequestPublisher;
import dev.sluice.gateway.keys.Principal;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.gateway.outcome.ReplyReader;
import dev.sluice.gateway.outcome.Waiters;

/**
 * {@code POST /v1/chat/completions}: authenticate, validate, publish to {@code llm.requests}, wait for the
 * outcome (no thread held), answer. With an {@code Idempotency-Key} the request id is derived from (user, key),
 * so a client retry is the same request to admission (a duplicate) and to generation (one provider call).
 */
public final class ChatHandler implements GatewayServer.Handler {
    /** Longest accepted Idempotency-Key, characters. */
    static final int MAX_IDEMPOTENCY_KEY = 256;
    /** Metadata key naming the gateway instance that published a request. */
    public static final String GATEWAY_METADATA = "sluice.gateway";
    /** Metadata key naming the API key (its id, never the key) a request came with. */
    public static final String KEY_METADATA = "sluice.key.id";

    private final Authenticator auth;
    private final ChatRequestParser parser;
    private final RequestPublisher publisher;
    private final Waiters waiters;
    private final Duration maxWait;
    private final String instanceId;
    private final Clock clock;
    private final int maxOpenWaits;
    private final ReplyReader replies;

    /** @param replies this instance's reply partitions: the one to name in requests, and the waits on each */
    public ChatHandler(Authenticator auth, ChatRequestParser parser, RequestPublisher publisher, Waiters waiters, Duration maxWait,
                       int maxOpenWaits, ReplyReader replies, String instanceId, Clock clock) {
        this.maxOpenWaits = maxOpenWaits;
        this.replies = replies;
        this.auth = auth;
        this.parser = parser;
        this.publisher = publisher;
        this.waiters = waiters;
        this.maxWait = maxWait;
        this.instanceId = instanceId;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Reply> handle(HttpCall call) {
        Principal principal = auth.require(call);
        // Every waiting call holds a connection (a descriptor): past the bound, shed load at once instead of
        // letting a stalled pipeline pile up connections until the process runs out of descriptors.
        if (waiters.open() >= maxOpenWaits) {
            throw ApiError.of(503, "server_error", "server_overloaded", null,
                    "this gateway has " + maxOpenWaits + " calls waiting for the pipeline (gateway.max.open.waits); retry shortly",
                    Map.of("Retry-After", "1"));
        }
        int reply = replies.replyPartition().orElse(-1);
        if (reply < 0) {
            throw ApiError.of(503, "server_error", "no_reply_partition", null,
                    "this gateway instance owns no reply partition yet (more instances than gateway.reply.partitions?); retry",
                    Map.of("Retry-After", "1"));
        }
        JsonNode body = parse(call.body());
        String requestId = call.header("Idempotency-Key").map(k -> requestId(principal.userId(), k)).orElseGet(() -> UUID.randomUUID().toString());
        ChatRequestParser.ChatCall chat = parser.parse(body, principal.userId(), requestId,
                Map.of(GATEWAY_METADATA, instanceId, KEY_METADATA, principal.keyId()), clock.instant());
        Duration wait = waitFor(call);
        CompletableFuture<Outcome> outcome = waiters.await(principal.userId(), requestId, clock.millis());
        Runnable waitEnded = replies.waitingOn(reply);
        outcome.whenComplete((o, e) -> waitEnded.run());
        publisher.publish(chat.request(), dev.sluice.gateway.outcome.Replies.replyTo(reply)).whenComplete((metadata, e) -> {
            if (e != null) {
                outcome.completeExceptionally(ApiError.of(503, "server_error", "pipeline_unavailable", null,
                        "could not hand the request to the pipeline (" + e.getClass().getSimpleName() + "); retry with the same Idempotency-Key",
                        Map.of("Retry-After", "1")));
            }
        });
        boolean retrySafe = call.header("Idempotency-Key").isPresent();
        return outcome.orTimeout(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .handle((o, e) -> {
                    if (o != null) {
                        return OutcomeReplies.reply(o, chat.stream());
                    }
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof TimeoutException) {
                        return OutcomeReplies.timeout(requestId, wait, retrySafe);
                    }
                    throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
                });
    }

    /** The same (user, Idempotency-Key) always gives the same UUID; different users never collide on purpose. */
    public static String requestId(String userId, String idempotencyKey) {
        if (idempotencyKey.length() > MAX_IDEMPOTENCY_KEY) {
            throw ApiError.invalid("Idempotency-Key", "the Idempotency-Key header is longer than " + MAX_IDEMPOTENCY_KEY + " characters");
        }
        return UUID.nameUUIDFromBytes(("sluice-idempotency\u0000" + userId + "\u0000" + idempotencyKey).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private Duration waitFor(HttpCall call) {
        return call.header("X-Sluice-Wait-Ms").map(v -> {
            try {
                long ms = Long.parseLong(v);
                if (ms < 1) {
                    throw new NumberFormatException();
                }
                return Duration.ofMillis(Math.min(ms, maxWait.toMillis()));
            } catch (NumberFormatException e) {
                throw ApiError.invalid("X-Sluice-Wait-Ms", "X-Sluice-Wait-Ms must be a positive number of milliseconds");
            }
        }).orElse(maxWait);
    }

    static JsonNode parse(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiError.invalid(null, "the body is not valid JSON");
        }
    }
}
