package dev.sluice.generation.provider;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Anthropic Messages API: {@code POST <base>/v1/messages} with {@code x-api-key} and
 * {@code anthropic-version}; system messages go to the top-level {@code system} field; tokens from
 * {@code usage.input_tokens} / {@code usage.output_tokens}. 529 (overloaded) is retried like 503.
 */
public final class AnthropicProvider extends HttpProviderSupport {
    /** Default base URL, used when {@code provider.base.url} is not set. */
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /** The API version header value sent with every call. */
    public static final String API_VERSION = "2023-06-01";
    private final URI endpoint;

    public AnthropicProvider(String baseUrl, String apiKey, Duration requestTimeout, Executor executor, Clock clock) {
        super(baseUrl, apiKey, requestTimeout, executor, clock);
        this.endpoint = URI.create(OpenAiProvider.stripSlash(baseUrl) + "/v1/messages");
    }

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    protected URI endpoint() {
        return endpoint;
    }

    @Override
    protected Map<String, String> headers(String apiKey, CompletionRequest request) {
        return apiKey == null ? Map.of("anthropic-version", API_VERSION)
                : Map.of("x-api-key", apiKey, "anthropic-version", API_VERSION);
    }

    @Override
    protected ObjectNode body(CompletionRequest request) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", request.model());
        body.put("max_tokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        String system = request.messages().stream().filter(m -> m.role().equals("system"))
                .map(ChatTurn::content).collect(Collectors.joining("\n\n"));
        if (!system.isEmpty()) {
            body.put("system", system);
        }
        ArrayNode messages = body.putArray("messages");
        request.messages().stream().filter(m -> !m.role().equals("system"))
                .forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
        return body;
    }

    @Override
    protected Completion parse(JsonNode body) {
        JsonNode content = body.path("content");
        if (!content.isArray()) {
            throw malformed("no content array");
        }
        StringBuilder text = new StringBuilder();
        content.forEach(block -> {
            if ("text".equals(block.path("type").asText())) {
                text.append(block.path("text").asText(""));
            }
        });
        JsonNode usage = body.path("usage");
        return new Completion(text.toString(), finishReason(body.path("stop_reason").asText("")),
                tokens(usage, "input_tokens"), tokens(usage, "output_tokens"));
    }

    static String finishReason(String raw) {
        return switch (raw) {
            case "end_turn", "stop_sequence" -> "stop";
            case "max_tokens" -> "length";
            case "refusal" -> "content_filter";
            default -> "other";
        };
    }
}
