package dev.sluice.contracts;

/**
 * The stable names of Sluice's topics, before any configured prefix. Code refers to topics through
 * {@link TopicCatalog}; these constants exist for documentation, tools and tests.
 */
public final class TopicNames {
    /** Generation requests from other services, keyed by userId. */
    public static final String REQUESTS = "llm.requests";
    /** Requests admission let through, keyed by userId. */
    public static final String ADMITTED = "llm.requests.admitted";
    /** Requests admission refused, with a reason, keyed by userId. */
    public static final String REJECTED = "llm.requests.rejected";
    /** Admitted requests with embeddings attached, keyed by userId. */
    public static final String ENRICHED = "llm.requests.enriched";
    /** Completions, keyed by userId. */
    public static final String RESULTS = "llm.results";
    /** Money spent or saved per request, keyed by userId, co-partitioned with {@link #REQUESTS}. */
    public static final String COSTS = "llm.costs";
    /** Dead letters of every stage: original bytes plus failure headers. */
    public static final String DLQ = "llm.dlq";
    /**
     * Generation's ledger of answered requests: one small record per (userId, requestId), written in the same
     * transaction as its result and cost, to the partition number of the consumed enriched record.
     */
    public static final String GENERATION_LEDGER = "llm.generation.ledger";
    /**
     * Admission's requests for slices of the global spend ceiling and returns of unused ones, to the lease
     * coordinator: one partition, a few records per window (never one per request).
     */
    public static final String BUDGET_LEASE_REQUESTS = "llm.budget.lease-requests";
    /** The coordinator's grants of global-ceiling slices, each to the partition of the admission task that asked. */
    public static final String BUDGET_LEASE_GRANTS = "llm.budget.lease-grants";
    /** Compacted tiers and per-user overrides, keyed by userId. */
    public static final String USER_POLICIES = "llm.user-policies";
    /** Compacted gateway API keys (hashes only), keyed by the key's SHA-256. */
    public static final String API_KEYS = "llm.api-keys";

    /** The gateway's uploaded Batch API files, one JSONL line per record (gateway-internal). */
    public static final String GATEWAY_FILES = "llm.gateway.files";
    /** Compacted JSON metadata of the gateway's files and batches (gateway-internal). */
    public static final String GATEWAY_BATCHES = "llm.gateway.batches";

    /** Outcomes of gateway requests, routed to the reply partition of the instance that waits for them (gateway-internal). */
    public static final String GATEWAY_REPLIES = "llm.gateway.replies";

    private TopicNames() {}
}
