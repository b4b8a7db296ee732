package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import dev.sluice.enrichment.embed.MiniLmEmbedder;
import org.junit.jupiter.api.Test;

/**
 * Keys of texts as the code before issue 15's second round computed them (and as sha256sum agrees for two of them):
 * vectors already in Redis are stored under these, so any change to normalising or keying must keep them, or every
 * deployed cache turns cold at once.
 */
class PinnedCacheKeysTest {
    private static final String MODEL = MiniLmEmbedder.MODEL_ID;
    private static final int MAX_CHARS = 4096;

    // both ways the code computes a key: from the normalised String, and from the raw text (what Enricher does)
    private static String key(String raw, boolean lowercase, int maxChars) {
        String viaText = CacheKeys.of(MODEL, EmbeddingText.normalise(raw, lowercase, maxChars).text());
        assertThat(EmbeddingText.cacheKey(raw, MODEL.getBytes(StandardCharsets.UTF_8), lowercase, maxChars)).isEqualTo(viaText);
        return viaText;
    }

    @Test
    void shouldKeepTheKeyOfAnAlreadyNormalisedAsciiText() {
        // printf 'all-minilm-l6-v2-q\0how do i configure a kafka consumer' | sha256sum
        assertThat(key("how do i configure a kafka consumer", true, MAX_CHARS))
                .isEqualTo("emb:d4607a71b34d8e455b612543cac6b1049cfaea0de1a753821fea8cee8c1043b4");
    }

    @Test
    void shouldKeepTheKeysOfMixedCaseTextLowercasedOrNot() {
        assertThat(key("How Do I Configure A Kafka CONSUMER?", true, MAX_CHARS))
                .isEqualTo("emb:48de49355fded3ecccb3c957ea4e2e8e3fa744d5eb2c3865276c8f96f015924b");
        assertThat(key("How Do I Configure A Kafka CONSUMER?", false, MAX_CHARS))
                .isEqualTo("emb:a4406a31cc5104e8734e26a4b3f9d850f25b33379ac0149a9867f196f7fe1bb1");
    }

    @Test
    void shouldKeepTheKeyOfTextWithExtraWhitespace() {
        assertThat(key("  how   do i\tconfigure\n\na kafka consumer  ", true, MAX_CHARS))
                .isEqualTo("emb:d4607a71b34d8e455b612543cac6b1049cfaea0de1a753821fea8cee8c1043b4");
    }

    @Test
    void shouldKeepTheKeysOfNonAsciiText() {
        assertThat(key("Caf\u00e9 au lait \u2014 na\u00efve R\u00e9sum\u00e9 \u65e5\u672c\u8a9e \uD83D\uDE00", true, MAX_CHARS))
                .isEqualTo("emb:79c60f90249f443b409d76e61b49dfb0e6ede4c12d9997f3ebb43b61a547e0a1");
        // decomposed e + U+0301 and a no-break space: printf 'all-minilm-l6-v2-q\0caf\xc3\xa9 au lait' | sha256sum
        assertThat(key("Cafe\u0301  AU\u00a0lait", true, MAX_CHARS))
                .isEqualTo("emb:79557c0d1573adeaa462510fb86adb9f38b0716f9a03a8cbb2ee212dd8db24a9");
        assertThat(key("a\uD800b", false, MAX_CHARS))
                .isEqualTo("emb:3d46692a092a3839281cc13e25d9f5a69a962253733081069dc9c1bfe1e787f4");
    }

    @Test
    void shouldKeepTheKeyOfEmptyTextAndOfTruncatedText() {
        assertThat(EmbeddingText.normalise(" \n\t ", true, MAX_CHARS).isEmpty()).isTrue();
        assertThat(EmbeddingText.cacheKey(" \n\t ", MODEL.getBytes(StandardCharsets.UTF_8), true, MAX_CHARS)).isNull();
        assertThat(CacheKeys.of(MODEL, ""))
                .isEqualTo("emb:b23c5ebc1c88c89939bd7430d9f561ead3ffa1c0ad6185244762046744a7b29c");
        assertThat(key("abc def ghi", true, 8))
                .isEqualTo("emb:240b25fbec9c6be47cdf889547f88adffeedbf1897c80aa571102a9c2597872b");
    }

    @Test
    void shouldKeepTheKeyOfAnotherModel() {
        assertThat(CacheKeys.of("text-embedding-3-small", "hello world"))
                .isEqualTo("emb:b56dbf3cdc2f7cd7d222d2b98bf93c6e9f200857cab604b522b980baed0c06f2");
    }
}
