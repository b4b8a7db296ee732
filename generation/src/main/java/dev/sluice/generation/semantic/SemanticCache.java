package dev.sluice.generation.semantic;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;

/**
 * The semantic response cache's index: for an eligible request, the nearest earlier request of the same scope whose
 * embedding reaches the similarity threshold <em>and</em> whose text the {@link TextGuard} finds compatible. It holds
 * vectors, guard features and the exact-cache key of each answer, never the answer itself: answers stay in the
 * {@code GenerationStore} (Redis) under their exact key with its TTL, so a semantic hit serves a copy the exact
 * cache also holds, and an answer evicted there is a miss here.
 *
 * <p><b>Scope</b> (SHA-256 of, length-prefixed): tenant (the user, or {@code group:<value>} of the configured
 * metadata key), model, embedding model, every SYSTEM message, maxOutputTokens and temperature. Requests never meet
 * outside their scope, so one tenant's answer can never be served to another.
 *
 * <p><b>Eligible</b>: the feature on, the model and tier opted in, temperature 0 (unless deterministic-only is off),
 * a single USER turn (no ASSISTANT turn: a follow-up's meaning depends on the conversation) and an embedding.
 *
 * <p><b>Where</b>: in this process, one index per scope. {@code llm.requests.enriched} is keyed by userId, so every
 * request of a user-scoped cache arrives at one partition and so at one instance; after a rebalance the new owner
 * starts cold (misses cost calls, never correctness). A group scope spanning partitions gets one index per instance.
 */
public final class SemanticCache {
    /** Candidates above the threshold checked by the guard, most similar first. */
    static final int CANDIDATES = 4;

    /** A request as the cache sees it. */
    public record Query(String scope, float[] vector, TextGuard.Features features) {}

    /** A cached request that may answer the query. */
    public record Match(String answerKey, float similarity, int slot) {}

    private final SemanticSettings settings;
    private final Cache<String, ScopeIndex> scopes;

    public SemanticCache(SemanticSettings settings) {
        this.settings = settings;
        this.scopes = Caffeine.newBuilder().maximumSize(settings.maxScopes()).build();
    }

    public SemanticSettings settings() {
        return settings;
    }

    /** The request's query, or empty when it is not eligible. Never throws: a request it cannot read is called. */
    public Optional<Query> query(EnrichedRequest enriched) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        try {
            return eligible(enriched);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Optional<Query> eligible(EnrichedRequest enriched) {
        LlmRequest request = enriched.getAdmitted().getRequest();
        if (!settings.models().isEmpty() && !settings.models().contains(request.getModel())) {
            return Optional.empty();
        }
        if (!settings.tiers().isEmpty() && !settings.tiers().contains(enriched.getAdmitted().getTier())) {
            return Optional.empty();
        }
        if (settings.deterministicOnly() && (request.getTemperature() == null || request.getTemperature() != 0.0)) {
            return Optional.empty();
        }
        if (enriched.getEmbeddingSource() == EmbeddingSource.SKIPPED || enriched.getEmbedding().isEmpty()) {
            return Optional.empty();
        }
        String user = null;
        MessageDigest sha = sha256();
        field(sha, "v1");
        field(sha, tenant(request));
        field(sha, request.getModel());
        field(sha, enriched.getEmbeddingModel());
        field(sha, Integer.toString(request.getMaxOutputTokens()));
        field(sha, request.getTemperature() == null ? "default" : Double.toString(request.getTemperature()));
        for (ChatMessage m : request.getMessages()) {
            if (m.getRole() == Role.ASSISTANT || (m.getRole() == Role.USER && user != null)) {
                return Optional.empty();
            }
            if (m.getRole() == Role.USER) {
                user = m.getContent();
            } else {
                field(sha, "system");
                field(sha, m.getContent());
            }
        }
        if (user == null || user.isBlank()) {
            return Optional.empty();
        }
        List<Float> embedding = enriched.getEmbedding();
        float[] vector = new float[embedding.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = embedding.get(i);
        }
        return Optional.of(new Query(HexFormat.of().formatHex(sha.digest()), vector, TextGuard.of(user)));
    }

    /**
     * The exact-cache key of an eligible request: its exact key within its scope, so identical prompts from two
     * tenants (or under two system prompts) never share an answer through the exact cache either.
     */
    public static String answerKey(Query query, String exactKey) {
        MessageDigest sha = sha256();
        field(sha, "scoped-v1");
        field(sha, query.scope());
        field(sha, exactKey);
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The most similar cached request of the query's scope that passes the threshold, the guard and the serve cap. */
    public Optional<Match> find(Query query, long nowMillis) {
        ScopeIndex index = scopes.getIfPresent(query.scope());
        if (index == null || index.dimensions() != query.vector().length) {
            return Optional.empty();
        }
        for (ScopeIndex.Candidate c : index.nearest(query.vector(), settings.minSimilarity(), CANDIDATES, nowMillis,
                settings.maxServes())) {
            if (TextGuard.compatible(query.features(), c.features())) {
                return Optional.of(new Match(c.answerKey(), c.similarity(), c.slot()));
            }
        }
        return Optional.empty();
    }

    /** Counts a served hit against the answer's serve cap. */
    public void served(Query query, Match match) {
        ScopeIndex index = scopes.getIfPresent(query.scope());
        if (index != null) {
            index.served(match.slot(), match.answerKey());
        }
    }

    /** The match's answer was no longer in the store: stop offering it. */
    public void gone(Query query, Match match) {
        ScopeIndex index = scopes.getIfPresent(query.scope());
        if (index != null) {
            index.expire(match.slot(), match.answerKey());
        }
    }

    /** Remembers that {@code answerKey} (an exact-cache key) answers the query, until {@code expiresAtMillis}. */
    public void put(Query query, String answerKey, long expiresAtMillis) {
        scopes.get(query.scope(), s -> new ScopeIndex(query.vector().length, settings.maxEntriesPerScope()))
                .add(query.vector(), query.features(), answerKey, expiresAtMillis);
    }

    /** Entries held in the query's scope (tests, benchmark). */
    public int size(String scope) {
        ScopeIndex index = scopes.getIfPresent(scope);
        return index == null ? 0 : index.size();
    }

    private String tenant(LlmRequest request) {
        String key = settings.tenantMetadataKey();
        if (!key.isEmpty()) {
            CharSequence group = request.getMetadata().get(key);
            if (group != null && group.length() > 0) {
                return "group:" + group;
            }
        }
        return "user:" + request.getUserId();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void field(MessageDigest sha, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
    }
}
