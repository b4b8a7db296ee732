package dev.sluice.enrichment;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@link EmbeddingText}'s rules for pure-ASCII text (most prompts), applied to the text's bytes in place: ASCII is
 * already NFC and has no surrogates, so only whitespace and case remain, and the bytes are also what the cache key
 * hashes. The check runs on every record of the warm path, eight bytes at a time: a loop branching on each character
 * mispredicted at every word boundary and cost ~3 ns a character, more than hashing the text.
 */
final class AsciiText {
    /** {@link #scan} found an uppercase letter (only reported when lowercasing). */
    static final int UPPERCASE = 1;
    /** {@link #scan} found whitespace to collapse or trim: a control character, two spaces, a leading or trailing space. */
    static final int SPACING = 2;
    /** {@link #scan}: the text is not ASCII. */
    static final int NOT_ASCII = -1;

    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH = 0x8080808080808080L;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long PADDING = ONES * 'a'; // fills a short last word: neither space, control nor uppercase

    private AsciiText() {}

    /**
     * {@code s} as UTF-8: for ASCII text one byte a character, ready for {@link #scan}. Non-ASCII text gives other
     * bytes, which {@link #scan} rejects.
     */
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What normalising {@code bytes} (= {@link #bytes}{@code (s)}) would change: 0 (nothing: {@code s} is its own
     * normalised form), a combination of {@link #UPPERCASE} and {@link #SPACING}, or {@link #NOT_ASCII}.
     */
    static int scan(String s, byte[] bytes, boolean lowercase) {
        int n = bytes.length;
        // Every non-ASCII character is two or more bytes in UTF-8, except a lone surrogate: the encoder writes '?'.
        if (n != s.length()) {
            return NOT_ASCII;
        }
        if (n == 0) {
            return 0;
        }
        long control = 0;
        long upper = 0;
        long doubled = 0;
        long question = 0;
        long previousSpaces = 0;
        for (int i = 0; i < n; i += Long.BYTES) {
            long x = word(bytes, i);
            // ASCII bytes are < 0x80, so adding up to 0x60 to each never carries into the next byte: exact per byte
            control |= ~(x + ONES * (0x80 - 0x20)) & HIGH;
            upper |= (x + ONES * (0x80 - 'A')) & ~(x + ONES * (0x80 - 'Z' - 1)) & HIGH;
            long spaces = equalTo(x, ' ');
            doubled |= (spaces & (spaces << 8)) | (spaces & (previousSpaces >>> 56));
            previousSpaces = spaces;
            question |= equalTo(x, '?');
        }
        if (question != 0 && !sameQuestionMarks(s, bytes)) {
            return NOT_ASCII;
        }
        int flags = lowercase && upper != 0 ? UPPERCASE : 0;
        if ((control | doubled) != 0 || bytes[0] == ' ' || bytes[n - 1] == ' ') {
            flags |= SPACING;
        }
        return flags;
    }

    /**
     * Normalises ASCII {@code bytes} in place given {@code flags} from {@link #scan}; returns the normalised length
     * (the bytes beyond it are garbage).
     */
    static int normalise(byte[] bytes, int flags, boolean lowercase) {
        if ((flags & SPACING) != 0) {
            return collapse(bytes, lowercase);
        }
        if ((flags & UPPERCASE) != 0) {
            lowercase(bytes);
        }
        return bytes.length;
    }

    /**
     * The length of the first {@code maxChars} of a normalised text of {@code length} bytes, without the space the cut
     * may leave at its end (as {@code substring(0, maxChars).strip()} would).
     */
    static int cut(byte[] bytes, int length, int maxChars) {
        if (length <= maxChars) {
            return length;
        }
        return maxChars > 0 && bytes[maxChars - 1] == ' ' ? maxChars - 1 : maxChars;
    }

    // The same characters Character.isWhitespace accepts in ASCII: \t \n \u000B \f \r, 0x1C-0x1F and space.
    private static int collapse(byte[] bytes, boolean lowercase) {
        int len = 0;
        boolean pendingSpace = false;
        for (byte b : bytes) {
            if (b == ' ' || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F)) {
                pendingSpace = len > 0;
                continue;
            }
            if (pendingSpace) {
                bytes[len++] = ' ';
                pendingSpace = false;
            }
            bytes[len++] = lowercase && b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
        }
        return len;
    }

    private static void lowercase(byte[] bytes) {
        int i = 0;
        for (; i + Long.BYTES <= bytes.length; i += Long.BYTES) {
            long x = (long) WORDS.get(bytes, i);
            long upper = (x + ONES * (0x80 - 'A')) & ~(x + ONES * (0x80 - 'Z' - 1)) & HIGH;
            WORDS.set(bytes, i, x | (upper >>> 2)); // 0x80 >>> 2 = 0x20, the case bit
        }
        for (; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b >= 'A' && b <= 'Z') {
                bytes[i] = (byte) (b + 32);
            }
        }
    }

    private static long word(byte[] bytes, int i) {
        if (i + Long.BYTES <= bytes.length) {
            return (long) WORDS.get(bytes, i);
        }
        long x = PADDING;
        for (int j = bytes.length - 1; j >= i; j--) {
            x = (x << 8) | (bytes[j] & 0xFF);
        }
        return x;
    }

    // 0x80 in each byte of x equal to c, 0 elsewhere (exact, no carries across bytes)
    private static long equalTo(long x, char c) {
        long t = x ^ (ONES * c);
        return ~(((t & LOW7) + LOW7) | t | LOW7);
    }

    // Equal lengths: character i is byte i, so a '?' byte that is not a '?' character is a lone surrogate.
    private static boolean sameQuestionMarks(String s, byte[] bytes) {
        for (int i = s.indexOf('?'), j = 0; j < bytes.length; j++) {
            if (bytes[j] == '?') {
                if (i != j) {
                    return false;
                }
                i = s.indexOf('?', i + 1);
            }
        }
        return true;
    }
}
