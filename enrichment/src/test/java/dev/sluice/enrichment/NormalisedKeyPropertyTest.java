package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The optimised normaliser and key ({@link EmbeddingText#normalise}, {@link EmbeddingText#cacheKey}, {@link AsciiText})
 * against a reference kept here that is written the obvious way (a regex, the JDK's String methods, a fresh
 * MessageDigest), over many random texts built to hit the fast paths' edges: runs of whitespace of every kind, capitals,
 * '?' next to lone surrogates, word lengths around the 8-byte words, and cuts that land on a space.
 */
class NormalisedKeyPropertyTest {
    private static final String MODEL = "all-minilm-l6-v2-q";
    private static final byte[] MODEL_UTF8 = MODEL.getBytes(StandardCharsets.UTF_8);
    private static final String[] PIECES = {"a", "b", "z", "A", "Z", "@", "[", "`", "{", "?", "~", "\u007F", "0", "#",
        " ", " ", " ", "  ", "\t", "\n", "\r\n", "\u000B", "\f", "\u001C", "\u001F", "\u0000", "\u0008", "\u000E", "\u001B",
        "hello", "HeLLo", "kafka", "consumer"};
    private static final String[] UNICODE = {"\u00e9", "e\u0301", "\u00a0", "\u2003", "\u0085", "\u65e5", "\uD83D\uDE00",
        "\uD800", "\uDC00", "\u0130", "\u03a3", "\u212A", "\u0141", "\u0100", "\u013F"};

    @Test
    void shouldNormaliseAndKeyRandomAsciiTextsAsTheReferenceDoes() {
        Random random = new Random(20261202);
        for (int i = 0; i < 20_000; i++) {
            check(randomText(random, false), random.nextBoolean(), 1 + random.nextInt(80));
        }
    }

    @Test
    void shouldNormaliseAndKeyRandomNonAsciiTextsAsTheReferenceDoes() {
        Random random = new Random(15);
        for (int i = 0; i < 20_000; i++) {
            check(randomText(random, true), random.nextBoolean(), 1 + random.nextInt(80));
        }
    }

    @Test
    void shouldReturnTheTextItselfWhenItIsAlreadyNormalised() {
        String prompt = "how do i configure a kafka consumer for exactly once processing?";
        assertThat(EmbeddingText.normalise(prompt, true, 4096).text()).isSameAs(prompt);
        String cased = "How do I configure it?";
        assertThat(EmbeddingText.normalise(cased, false, 4096).text()).isSameAs(cased);
        assertThat(EmbeddingText.normalise(cased, true, 4096).text()).isEqualTo("how do i configure it?");
    }

    @Test
    void shouldTreatALoneSurrogateAsNonAsciiEvenThoughItsUtf8IsOneQuestionMark() {
        for (String s : new String[] {"\uD800", "a?\uDC00?", "?\uD800", "question\uDBFF mark?", "x".repeat(17) + "\uD800"}) {
            EmbeddingText.Normalised n = EmbeddingText.normalise(s, true, 100);
            assertThat(n.replacedSurrogates()).as(s).isTrue();
            assertThat(n.text()).as(s).contains("\uFFFD");
            assertThat(AsciiText.scan(s, AsciiText.bytes(s), true)).isEqualTo(AsciiText.NOT_ASCII);
        }
    }

    private static void check(String raw, boolean lowercase, int maxChars) {
        Reference expected = Reference.normalise(raw, lowercase, maxChars);
        EmbeddingText.Normalised actual = EmbeddingText.normalise(raw, lowercase, maxChars);
        String what = "[" + escape(raw) + "] lowercase=" + lowercase + " maxChars=" + maxChars;
        assertThat(actual.text()).as(what).isEqualTo(expected.text());
        assertThat(actual.truncated()).as(what).isEqualTo(expected.truncated());
        assertThat(actual.replacedSurrogates()).as(what).isEqualTo(expected.replacedSurrogates());
        String key = expected.text().isEmpty() ? null : Reference.key(MODEL, expected.text());
        assertThat(EmbeddingText.cacheKey(raw, MODEL_UTF8, lowercase, maxChars)).as(what).isEqualTo(key);
        assertThat(CacheKeys.of(MODEL, expected.text())).as(what).isEqualTo(Reference.key(MODEL, expected.text()));
    }

    private static String randomText(Random random, boolean unicode) {
        StringBuilder out = new StringBuilder();
        for (int pieces = random.nextInt(40); pieces > 0; pieces--) {
            if (unicode && random.nextInt(8) == 0) {
                out.append(UNICODE[random.nextInt(UNICODE.length)]);
            } else {
                out.append(PIECES[random.nextInt(PIECES.length)]);
            }
        }
        return out.toString();
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        s.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04X", c)));
        return out.toString();
    }

    /** The rules of {@link EmbeddingText}'s class comment, the plain way. */
    private record Reference(String text, boolean truncated, boolean replacedSurrogates) {
        static Reference normalise(String raw, boolean lowercase, int maxChars) {
            StringBuilder valid = new StringBuilder();
            boolean replaced = false;
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < raw.length() && Character.isLowSurrogate(raw.charAt(i + 1))) {
                    valid.append(c).append(raw.charAt(++i));
                } else if (Character.isSurrogate(c)) {
                    valid.append('\uFFFD');
                    replaced = true;
                } else {
                    valid.append(c);
                }
            }
            String text = Normalizer.normalize(valid, Normalizer.Form.NFC);
            StringBuilder collapsed = new StringBuilder();
            text.codePoints().forEach(cp -> collapsed.appendCodePoint(Character.isWhitespace(cp) || Character.isSpaceChar(cp) ? ' ' : cp));
            text = collapsed.toString().replaceAll(" +", " ").strip();
            if (lowercase) {
                text = text.toLowerCase(Locale.ROOT);
            }
            boolean truncated = text.length() > maxChars;
            if (truncated) {
                int end = Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
                text = text.substring(0, end).strip();
            }
            return new Reference(text, truncated, replaced);
        }

        static String key(String modelId, String text) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update((modelId + '\0' + text).getBytes(StandardCharsets.UTF_8));
                return "emb:" + HexFormat.of().formatHex(sha.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
