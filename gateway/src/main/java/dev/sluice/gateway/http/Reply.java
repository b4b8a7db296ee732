package dev.sluice.gateway.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP answer: status, headers and either body bytes or, for large bodies (files), a {@link BodyWriter} that
 * streams the body (sent chunked) so it is never held whole in memory.
 */
public record Reply(int status, Map<String, String> headers, byte[] body, BodyWriter writer) {
    /** Writes a streamed body; may throw to abort it (the client then sees a truncated, unterminated chunked body). */
    @FunctionalInterface
    public interface BodyWriter {
        void write(OutputStream out) throws IOException;
    }

    public Reply(int status, Map<String, String> headers, byte[] body) {
        this(status, headers, body, null);
    }

    public static Reply streamed(int status, Map<String, String> headers, BodyWriter writer) {
        return new Reply(status, headers, new byte[0], writer);
    }

    public static Reply json(int status, Object node) {
        return new Reply(status, Map.of("Content-Type", "application/json"), Json.write(node).getBytes(StandardCharsets.UTF_8));
    }

    public static Reply error(ApiError e) {
        Map<String, String> headers = new LinkedHashMap<>(e.headers());
        headers.put("Content-Type", "application/json");
        return new Reply(e.status(), headers, Json.write(Json.error(e)).getBytes(StandardCharsets.UTF_8));
    }

    public Reply withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Reply(status, h, body, writer);
    }
}
