package dev.sluice.generation.provider;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Any OpenAI-compatible Chat Completions server (OpenAI, vLLM, llama.cpp server, Ollama):
 * {@code POST <base>/chat/completions} with a bearer key; tokens from {@code usage.prompt_tokens} and
 * {@code usage.completion_tokens}.
 */
public final class OpenAiProvider extends HttpProviderSupport {
    /** Default base URL, used when {@code provider.base.url} is not set. */
    public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    private final URI endpoint;

    public OpenAiProvider(String baseUrl, String apiKey, Duration requestTimeout, Executor executor, Clock clock) {
        super(baseUrl, apiKey, requestTimeout, executor, clock);
        this.endpoint = URI.create(stripSlash(baseUrl) + "/chat/completions");
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    protected URI endpoint() {
        return endpoint;
    }

    @Override
    protected Map<String, String> headers(String apiKey, CompletionRequest request) {
        Map<String, String> headers = new java.util.HashMap<>();
        if (apiKey != null) {
            headers.put("authorization", "Bearer " + apiKey);
        }
        if (request.idempotencyKey() != null) {
            headers.put("idempotency-key", request.idempotencyKey());
        }
        return headers;
    }

    @Override
    protected ObjectNode body(CompletionRequest request) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", request.model());
        body.put("max_tokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        ArrayNode messages = body.putArray("messages");
        request.messages().forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
        return body;
    }

    @Override
    protected Completion parse(JsonNode body) {
        JsonNode choice = body.path("choices").path(0);
        JsonNode content = choice.path("message").path("content");
        if (choice.isMissingNode() || !content.isTextual()) {
            throw malformed("no choices[0].message.content");
        }
        JsonNode usage = body.path("usage");
        return new Completion(content.asText(), finishReason(choice.path("finish_reason").asText("")),
                tokens(usage, "prompt_tokens"), tokens(usage, "completion_tokens"));
    }

    static String finishReason(String raw) {
        return switch (raw) {
            case "stop" -> "stop";
            case "length" -> "length";
            case "content_filter" -> "content_filter";
            default -> "other";
        };
    }

    static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
