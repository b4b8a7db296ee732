package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;

/**
 * What enrichment embeds, and how it is normalised before it is hashed into a cache key and given to the model.
 *
 * <p><b>What</b>: the contents of the request's USER messages, oldest first, joined by a newline. System prompts are
 * left out because they are usually shared boilerplate (the same few per application) that would pull every
 * vector towards the same point and say nothing about what this user asked; ASSISTANT turns are earlier model output.
 *
 * <p><b>Normalised</b> means, in order: lone UTF-16 surrogates replaced by U+FFFD (they cannot be encoded and would
 * make hashing depend on the encoder); Unicode NFC (so "é" typed either way is one key); every run of whitespace
 * (including newlines) collapsed to one space; leading and trailing whitespace trimmed; lowercased ({@link Locale#ROOT})
 * only when the embedder is case-insensitive (all-MiniLM-L6-v2's tokenizer lowercases anyway, so this raises the hit
 * rate at no cost; a cased remote model keeps case); finally cut to {@code maxChars}.
 */
public final class EmbeddingText {
    private EmbeddingText() {}

    /** The raw text to embed: USER message contents joined by '\n' (empty if there are none). */
    public static String userText(LlmRequest request) {
        String only = null;
        int users = 0;
        for (ChatMessage message : request.getMessages()) {
            if (message.getRole() == Role.USER) {
                only = message.getContent();
                users++;
            }
        }
        if (users <= 1) {
            return users == 0 ? "" : only; // the common case: no copy
        }
        StringBuilder out = new StringBuilder();
        for (ChatMessage message : request.getMessages()) {
            if (message.getRole() == Role.USER) {
                if (out.length() > 0) {
                    out.append('\n');
                }
                out.append(message.getContent());
            }
        }
        return out.toString();
    }

    /** The normalised form of {@code raw} (see the class comment); empty means nothing to embed. */
    public static Normalised normalise(String raw, boolean lowercase, int maxChars) {
        byte[] ascii = AsciiText.bytes(raw);
        int flags = AsciiText.scan(raw, ascii, lowercase);
        if (flags == 0 && raw.length() <= maxChars) {
            return new Normalised(raw, false, false); // the common prompt is already normalised: no copy
        }
        if (flags != AsciiText.NOT_ASCII) {
            int length = AsciiText.normalise(ascii, flags, lowercase);
            String text = new String(ascii, 0, AsciiText.cut(ascii, length, maxChars), StandardCharsets.ISO_8859_1);
            return new Normalised(text, length > maxChars, false);
        }
        return normaliseUnicode(raw, lowercase, maxChars);
    }

    /**
     * {@code CacheKeys.of(modelId, normalise(raw, lowercase, maxChars).text())}, or null when that text is empty; for
     * ASCII text (the warm path's common case) the normalised bytes are hashed as they are, never made a String.
     *
     * @param modelIdUtf8 the model id as UTF-8
     */
    public static String cacheKey(String raw, byte[] modelIdUtf8, boolean lowercase, int maxChars) {
        byte[] ascii = AsciiText.bytes(raw);
        int flags = AsciiText.scan(raw, ascii, lowercase);
        if (flags == AsciiText.NOT_ASCII) {
            String text = normaliseUnicode(raw, lowercase, maxChars).text();
            if (text.isEmpty()) {
                return null;
            }
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            return CacheKeys.of(modelIdUtf8, utf8, utf8.length);
        }
        int length = AsciiText.cut(ascii, AsciiText.normalise(ascii, flags, lowercase), maxChars);
        return length == 0 ? null : CacheKeys.of(modelIdUtf8, ascii, length);
    }

    private static Normalised normaliseUnicode(String raw, boolean lowercase, int maxChars) {
        String text = replaceLoneSurrogates(raw);
        boolean hadLoneSurrogates = !text.equals(raw);
        text = Normalizer.normalize(text, Normalizer.Form.NFC);
        text = collapseWhitespace(text);
        if (lowercase) {
            text = text.toLowerCase(Locale.ROOT);
        }
        boolean truncated = text.length() > maxChars;
        if (truncated) {
            int end = maxChars;
            if (Character.isHighSurrogate(text.charAt(end - 1))) {
                end--; // never split a surrogate pair
            }
            text = text.substring(0, end).strip();
        }
        return new Normalised(text, truncated, hadLoneSurrogates);
    }

    // One pass instead of a regex: this runs for every record on the warm path.
    static String collapseWhitespace(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                pendingSpace = out.length() > 0;
                continue;
            }
            if (pendingSpace) {
                out.append(' ');
                pendingSpace = false;
            }
            out.appendCodePoint(cp);
        }
        return out.toString();
    }

    static String replaceLoneSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(s.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(s.length()).append(s, 0, i);
                }
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    /**
     * A normalised text and what the rules changed.
     *
     * @param text              what is hashed and embedded; empty means the record is SKIPPED
     * @param truncated         the text was longer than the configured maximum and was cut
     * @param replacedSurrogates lone surrogates were replaced by U+FFFD
     */
    public record Normalised(String text, boolean truncated, boolean replacedSurrogates) {
        public boolean isEmpty() {
            return text.isEmpty();
        }
    }
}
