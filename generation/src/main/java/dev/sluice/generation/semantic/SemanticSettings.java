package dev.sluice.generation.semantic;

import java.util.Set;

/**
 * The semantic cache's validated settings (keys and defaults in {@code GenerationConfig}).
 *
 * @param enabled            off by default: nothing changes unless an operator opts in
 * @param models             models it serves; empty = every model
 * @param tiers              admission tiers it serves (e.g. PRO); empty = every tier
 * @param minSimilarity      cosine similarity a cached request must reach (then the text guard decides)
 * @param deterministicOnly  only requests with temperature 0 are eligible (a sampled answer is one of many)
 * @param tenantMetadataKey  metadata key naming a tenant group that shares a cache; empty = each user alone
 * @param maxEntriesPerScope entries kept per scope (oldest replaced first)
 * @param maxScopes          scopes kept per instance (least recently used dropped first)
 * @param maxServes          times one cached answer may be served before it is refreshed by a real call
 */
public record SemanticSettings(boolean enabled, Set<String> models, Set<String> tiers, float minSimilarity,
                               boolean deterministicOnly, String tenantMetadataKey, int maxEntriesPerScope,
                               int maxScopes, int maxServes) {
    /** Default cosine threshold; chosen on the labelled evaluation set (see the generation README). */
    public static final float DEFAULT_MIN_SIMILARITY = 0.80f;
    public static final int DEFAULT_MAX_ENTRIES_PER_SCOPE = 10_000;
    public static final int DEFAULT_MAX_SCOPES = 10_000;
    public static final int DEFAULT_MAX_SERVES = 100;

    public SemanticSettings {
        models = Set.copyOf(models);
        tiers = Set.copyOf(tiers);
    }

    public static SemanticSettings disabled() {
        return new SemanticSettings(false, Set.of(), Set.of(), DEFAULT_MIN_SIMILARITY, true, "",
                DEFAULT_MAX_ENTRIES_PER_SCOPE, DEFAULT_MAX_SCOPES, DEFAULT_MAX_SERVES);
    }

    /** Enabled for every model and tier with the defaults (tests). */
    public static SemanticSettings enabledDefaults() {
        return new SemanticSettings(true, Set.of(), Set.of(), DEFAULT_MIN_SIMILARITY, true, "",
                DEFAULT_MAX_ENTRIES_PER_SCOPE, DEFAULT_MAX_SCOPES, DEFAULT_MAX_SERVES);
    }

    public SemanticSettings withMinSimilarity(float similarity) {
        return new SemanticSettings(enabled, models, tiers, similarity, deterministicOnly, tenantMetadataKey,
                maxEntriesPerScope, maxScopes, maxServes);
    }

    public SemanticSettings withMaxEntriesPerScope(int entries) {
        return new SemanticSettings(enabled, models, tiers, minSimilarity, deterministicOnly, tenantMetadataKey,
                entries, maxScopes, maxServes);
    }

    public SemanticSettings withMaxServes(int serves) {
        return new SemanticSettings(enabled, models, tiers, minSimilarity, deterministicOnly, tenantMetadataKey,
                maxEntriesPerScope, maxScopes, serves);
    }

    public SemanticSettings withTenantMetadataKey(String key) {
        return new SemanticSettings(enabled, models, tiers, minSimilarity, deterministicOnly, key,
                maxEntriesPerScope, maxScopes, maxServes);
    }

}
