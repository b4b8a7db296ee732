package dev.sluice.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP answer: status, headers, body bytes. */
public record Reply(int status, Map<String, String> headers, byte[] body) {
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
        return new Reply(status, h, body);
    }
}
