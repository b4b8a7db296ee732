package dev.sluice.ingest.rules;

import java.util.List;

import dev.sluice.schema.ChatMessage;

/**
 * A conservative upper bound of a request's input tokens, computed without a tokenizer. Every tokenizer
 * Sluice's models use is a byte-level BPE, where a token covers at least one byte of UTF-8 text, so the
 * UTF-8 byte count of a content is an upper bound of its tokens. Chat templates add a few tokens per
 * message (role markers, separators: 3-4 for OpenAI and Anthropic); we allow {@value #PER_MESSAGE_OVERHEAD}
 * per message plus {@value #PER_REQUEST_OVERHEAD} per request (reply priming).
 */
public final class TokenBound {
    /** Tokens allowed per message for role markers and separators. */
    public static final int PER_MESSAGE_OVERHEAD = 8;
    /** Tokens allowed per request for the reply primer and template framing. */
    public static final int PER_REQUEST_OVERHEAD = 8;

    private TokenBound() {}

    /** Upper bound of input tokens of these messages. */
    public static long inputTokens(List<ChatMessage> messages) {
        long tokens = PER_REQUEST_OVERHEAD;
        for (ChatMessage m : messages) {
            tokens += PER_MESSAGE_OVERHEAD + utf8Bytes(m.getContent());
        }
        return tokens;
    }

    /** UTF-8 length of {@code s} without encoding it (a surrogate pair counts 2 + 2 = 4 bytes). */
    static long utf8Bytes(CharSequence s) {
        long bytes = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }
}
