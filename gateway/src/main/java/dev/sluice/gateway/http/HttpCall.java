package dev.sluice.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.regex.Matcher;

import com.sun.net.httpserver.HttpExchange;

/** One HTTP request as the handlers see it: method, path parameters, headers and a size-bounded body. */
public final class HttpCall {
    private final HttpExchange exchange;
    private final Matcher path;
    private final int maxBodyBytes;

    HttpCall(HttpExchange exchange, Matcher path, int maxBodyBytes) {
        this.exchange = exchange;
        this.path = path;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** A path parameter captured by the route's pattern (group {@code index}). */
    public String pathParam(int index) {
        return path.group(index);
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    /** The bearer token of {@code Authorization}, if any. */
    public Optional<String> bearer() {
        return header("Authorization").filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7)).map(h -> h.substring(7).trim());
    }

    public Optional<String> query(String name) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return Optional.empty();
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return Optional.of(java.net.URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    /** The body, refused with a 413 beyond the configured size, so one client cannot exhaust the heap. */
    public byte[] body() {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(maxBodyBytes + 1);
            if (bytes.length > maxBodyBytes) {
                throw ApiError.of(413, "invalid_request_error", "body_too_large", null,
                        "the body is larger than " + maxBodyBytes + " bytes", java.util.Map.of());
            }
            return bytes;
        } catch (IOException e) {
            throw ApiError.invalid(null, "could not read the request body");
        }
    }

    /** The raw body stream, for uploads that must not be held in memory whole. */
    public InputStream bodyStream() {
        return exchange.getRequestBody();
    }

    public String contentType() {
        return header("Content-Type").orElse("");
    }
}
