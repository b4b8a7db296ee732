package dev.sluice.common;

import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Makes a message safe for logs, exception messages and dead letters: removes known secrets, anything that
 * looks like an API key or bearer token, and any prompt text the caller names; then truncates.
 */
public final class Sanitizer {
    /** Longest sanitised message, in characters. */
    public static final int MAX_LENGTH = 500;
    private static final Pattern TOKEN_LIKE = Pattern.compile(
            "(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{8,}"
                    + "|\\bsk-[A-Za-z0-9_-]{8,}"
                    + "|(x-api-key|api[_-]?key|authorization)([\"']?\\s*[:=]\\s*[\"']?)(?:bearer\\s+)?[^\\s\"',}]{6,}");
    private static final int MIN_PROMPT_FRAGMENT = 12;
    private static final Pattern CREDENTIALS = Pattern.compile("[^\\s,/@]+@");

    private Sanitizer() {}

    /**
     * A URL (or list of URLs) as it may be shown: credentials written into it ({@code rediss://user:secret@host}, as
     * Redis AUTH is configured) become {@code ***@}, even when the URL is malformed; null becomes "".
     */
    public static String withoutCredentials(String text) {
        return text == null ? "" : CREDENTIALS.matcher(text).replaceAll("***@");
    }

    /**
     * @param message     the raw message (may echo a request or a provider's error body)
     * @param secrets     exact secret values to remove (API keys, tokens)
     * @param promptTexts message contents of the request; each, and each of its lines of 12+ characters, is removed
     */
    public static String sanitize(String message, Collection<String> secrets, Collection<String> promptTexts) {
        if (message == null) {
            return "";
        }
        String out = message;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 4) {
                out = out.replace(secret, "[REDACTED]");
            }
        }
        for (String prompt : promptTexts) {
            if (prompt == null || prompt.isBlank()) {
                continue;
            }
            out = out.replace(prompt, "[PROMPT]");
            for (String line : prompt.split("\\R")) {
                if (line.strip().length() >= MIN_PROMPT_FRAGMENT) {
                    out = out.replace(line.strip(), "[PROMPT]");
                }
            }
        }
        out = TOKEN_LIKE.matcher(out).replaceAll(m -> {
            if (m.group(1) != null) {
                return m.group(1) + "[REDACTED]";
            }
            if (m.group(2) != null) {
                return m.group(2) + m.group(3) + "[REDACTED]";
            }
            return "[REDACTED]";
        });
        out = out.replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", " ");
        return out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) + "…" : out;
    }
}
