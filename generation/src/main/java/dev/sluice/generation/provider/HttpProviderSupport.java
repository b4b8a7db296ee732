package dev.sluice.generation.provider;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.common.Sanitizer;

/**
 * What the two HTTP providers share: a {@code java.net.http} client (no SDK, so no hidden retries and raw status
 * codes and bodies for classification), JSON in and out, and error mapping through {@link HttpErrors}.
 */
abstract class HttpProviderSupport implements LlmProvider {
    protected static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final String apiKey;
    private final Duration requestTimeout;
    private final Clock clock;

    HttpProviderSupport(String baseUrl, String apiKey, Duration requestTimeout, Executor executor, Clock clock) {
        this.apiKey = apiKey;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
        // h2c upgrade attempts against plain-http servers (vLLM, llama.cpp, mocks) only cost a round trip.
        HttpClient.Version version = baseUrl.startsWith("https") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
        this.client = HttpClient.newBuilder()
                .version(version)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(executor)
                .build();
    }

    /** The request body for {@code request}. */
    protected abstract ObjectNode body(CompletionRequest request);

    /** Extra headers (authentication, API version, idempotency key). */
    protected abstract Map<String, String> headers(String apiKey, CompletionRequest request);

    /** The endpoint's full URI. */
    protected abstract URI endpoint();

    /** Reads a 2xx body; throws {@link ProviderException} MALFORMED_RESPONSE when it cannot. */
    protected abstract Completion parse(JsonNode body);

    @Override
    public CompletableFuture<Completion> complete(CompletionRequest request) {
        HttpRequest.Builder http = HttpRequest.newBuilder(endpoint())
                .timeout(requestTimeout)
                .header("content-type", "application/json");
        headers(apiKey, request).forEach(http::header);
        byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(body(request));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(ProviderException.of(ErrorClass.INVALID_REQUEST,
                    name() + ": request could not be encoded"));
        }
        TrackedBody body = new TrackedBody(payload);
        HttpRequest built = http.POST(body).build();
        return client.sendAsync(built, HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        throw HttpErrors.fromTransport(name(), failure, body.handedOver());
                    }
                    return read(request, response);
                });
    }

    private Completion read(CompletionRequest request, HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            throw HttpErrors.fromStatus(name(), response.statusCode(), response.headers(), response.body(),
                    secrets(), request.promptTexts(), clock);
        }
        try {
            return parse(JSON.readTree(response.body()));
        } catch (ProviderException e) {
            throw e;
        } catch (Exception e) {
            throw ProviderException.of(ErrorClass.MALFORMED_RESPONSE, name() + ": answer is not valid JSON ("
                    + Sanitizer.sanitize(e.getClass().getSimpleName(), secrets(), List.of()) + ")");
        }
    }

    protected ProviderException malformed(String what) {
        return new ProviderException(ErrorClass.MALFORMED_RESPONSE, 200, null, name() + ": answer has " + what);
    }

    @Override
    public List<String> secrets() {
        return apiKey == null ? List.of() : List.of(apiKey);
    }

    /** A field that must be a non-negative number. */
    protected long tokens(JsonNode usage, String field) {
        JsonNode n = usage.get(field);
        if (n == null || !n.canConvertToLong() || n.asLong() < 0) {
            throw malformed("no usable usage." + field);
        }
        return n.asLong();
    }
}
