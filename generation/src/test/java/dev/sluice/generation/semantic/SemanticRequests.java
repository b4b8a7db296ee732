package dev.sluice.generation.semantic;

import java.util.List;
import java.util.Map;

import dev.sluice.generation.Requests;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.EmbeddingSource;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;

/** Enriched requests as enrichment publishes them: temperature 0, one USER turn, the real MiniLM vector attached. */
public final class SemanticRequests {
    public static final String SYSTEM = "You are a helpful support assistant.";

    private SemanticRequests() {}

    public static EnrichedRequest of(String requestId, String userId, String prompt) {
        return of(requestId, userId, prompt, 0.0, Map.of());
    }

    public static EnrichedRequest of(String requestId, String userId, String prompt, Double temperature, Map<String, String> metadata) {
        EnrichedRequest base = Requests.enriched(requestId, userId, "gpt-4o-mini", prompt);
        LlmRequest request = LlmRequest.newBuilder(base.getAdmitted().getRequest())
                .setMessages(List.of(new ChatMessage(Role.SYSTEM, SYSTEM), new ChatMessage(Role.USER, prompt)))
                .setTemperature(temperature)
                .setMetadata(metadata)
                .build();
        return EnrichedRequest.newBuilder(base)
                .setAdmitted(dev.sluice.schema.AdmittedRequest.newBuilder(base.getAdmitted()).setRequest(request).build())
                .setEmbeddingModel(Embeddings.modelId())
                .setEmbedding(Embeddings.boxed(Embeddings.of(prompt)))
                .setEmbeddingSource(EmbeddingSource.COMPUTED)
                .build();
    }
}
