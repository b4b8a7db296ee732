package dev.sluice.generation.provider;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.common.Sanitizer;

/**
 * What the two HTTP providers share: Apache HttpClient 5's asynchronous client (no SDK, so no hidden retries and raw
 * status codes and bodies for classification; its own retries and redirects are off), JSON in and out, and error
 * mapping through {@link HttpErrors}. One I/O thread carries every connection; a response is read on
 * {@code executor}, never on that thread. It replaced {@code java.net.http}, which cost ~5x the CPU per call (see
 * the generation README, "The provider's HTTP client").
 */
abstract class HttpProviderSupport implements LlmProvider {
    protected static final ObjectMapper JSON = new ObjectMapper();
    /** Connections are opened as calls need them; the stage's in-flight bound is the real limit. */
    static final int MAX_CONNECTIONS = 4096;
    /** An idle connection is closed after this, before a server's own idle timeout is likely to race a new call on it. */
    static final TimeValue MAX_IDLE = TimeValue.ofSeconds(30);
    /**
     * The largest successful answer read (16 MiB: a model's longest output is a few hundred KiB of JSON); a larger one
     * fails the call as {@link ErrorClass#MALFORMED_RESPONSE} instead of filling the heap.
     */
    static final int MAX_ANSWER_BYTES = 16 << 20;
    /** Of an error answer only this much is read (for its classification and the sanitised message); the rest is not. */
    static final int MAX_ERROR_BYTES = 64 << 10;
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final CloseableHttpAsyncClient client;
    private final Executor executor;
    private final String apiKey;
    private final Clock clock;

    HttpProviderSupport(String baseUrl, String apiKey, Duration requestTimeout, Executor executor, Clock clock) {
        this.apiKey = apiKey;
        this.executor = executor;
        this.clock = clock;
        Timeout timeout = Timeout.ofMilliseconds(requestTimeout.toMillis());
        String threadName = "sluice-provider-io-" + CLIENTS.incrementAndGet();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(MAX_CONNECTIONS)
                        .setMaxConnPerRoute(MAX_CONNECTIONS)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.ofSeconds(10))
                                .setSocketTimeout(timeout)
                                .build())
                        .build())
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).setTcpNoDelay(true).build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(timeout).build())
                .setThreadFactory(r -> {
                    Thread t = new Thread(r, threadName);
                    t.setDaemon(true);
                    return t;
                })
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .evictIdleConnections(MAX_IDLE)
                .build();
        client.start();
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
        byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(body(request));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(ProviderException.of(ErrorClass.INVALID_REQUEST,
                    name() + ": request could not be encoded"));
        }
        TrackedBody body = new TrackedBody(payload);
        AsyncRequestBuilder http = AsyncRequestBuilder.post(endpoint()).setEntity(body);
        headers(apiKey, request).forEach(http::addHeader);
        CompletableFuture<Completion> result = new CompletableFuture<>();
        try {
            client.execute(http.build(), new BoundedResponseConsumer(MAX_ANSWER_BYTES, MAX_ERROR_BYTES), new FutureCallback<SimpleHttpResponse>() {
                @Override
                public void completed(SimpleHttpResponse response) {
                    executor.execute(() -> {
                        try {
                            result.complete(read(request, response));
                        } catch (RuntimeException e) {
                            result.completeExceptionally(new CompletionException(e));
                        }
                    });
                }

                @Override
                public void failed(Exception failure) {
                    Optional<BoundedResponseConsumer.Cut> cut = cut(failure);
                    if (cut.isEmpty()) {
                        result.completeExceptionally(new CompletionException(HttpErrors.fromTransport(name(), failure, body.handedOver())));
                    } else if (cut.get().head().getCode() / 100 == 2) {
                        result.completeExceptionally(new CompletionException(ProviderException.of(ErrorClass.MALFORMED_RESPONSE,
                                name() + ": " + cut.get().getMessage() + "; not read further (the call may have been billed)")));
                    } else { // an error answer: classified by its status and the first bytes of its body, like any other
                        completed(cut.get().head());
                    }
                }

                @Override
                public void cancelled() {
                    result.completeExceptionally(new CompletionException(ProviderException.of(body.handedOver()
                            ? ErrorClass.OUTCOME_UNKNOWN : ErrorClass.CONNECT_FAILED, name() + ": call cancelled")));
                }
            });
        } catch (RuntimeException e) { // e.g. the provider was closed: nothing was sent
            result.completeExceptionally(new CompletionException(ProviderException.of(ErrorClass.CONNECT_FAILED,
                    name() + ": the HTTP client could not start the call (" + e.getClass().getSimpleName() + ")")));
        }
        return result;
    }

    private Completion read(CompletionRequest request, SimpleHttpResponse response) {
        byte[] bytes = response.getBodyBytes();
        if (response.getCode() / 100 != 2) {
            String text = bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
            throw HttpErrors.fromStatus(name(), response.getCode(), name -> header(response, name), text,
                    secrets(), request.promptTexts(), clock);
        }
        try {
            return parse(JSON.readTree(bytes == null ? new byte[0] : bytes));
        } catch (ProviderException e) {
            throw e;
        } catch (Exception e) {
            throw ProviderException.of(ErrorClass.MALFORMED_RESPONSE, name() + ": answer is not valid JSON ("
                    + Sanitizer.sanitize(e.getClass().getSimpleName(), secrets(), List.of()) + ")");
        }
    }

    private static Optional<BoundedResponseConsumer.Cut> cut(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof BoundedResponseConsumer.Cut cut) {
                return Optional.of(cut);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> header(SimpleHttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        return h == null ? Optional.empty() : Optional.ofNullable(h.getValue());
    }

    protected ProviderException malformed(String what) {
        return new ProviderException(ErrorClass.MALFORMED_RESPONSE, 200, null, name() + ": answer has " + what);
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL); // IMMEDIATE makes HttpClient log a ClosedSelectorException at ERROR
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
