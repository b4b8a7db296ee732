package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheKeysTest {
    @Test
    void shouldBeEmbPrefixAndHexSha256WhenKeyingAText() {
        // sha256("m\0hi") computed independently: printf 'm\0hi' | sha256sum
        assertThat(CacheKeys.of("m", "hi")).isEqualTo("emb:" + Sha.hex("m\0hi"));
        assertThat(CacheKeys.of("m", "hi")).matches("emb:[0-9a-f]{64}");
    }

    @Test
    void shouldDifferWhenModelOrTextDiffers() {
        assertThat(CacheKeys.of("model-a", "text")).isNotEqualTo(CacheKeys.of("model-b", "text"));
        assertThat(CacheKeys.of("ab", "c")).isNotEqualTo(CacheKeys.of("a", "bc"));
        assertThat(CacheKeys.of("m", "text")).isEqualTo(CacheKeys.of("m", "text"));
    }

    private static final class Sha {
        static String hex(String s) {
            try {
                var p = new ProcessBuilder("sha256sum").start();
                p.getOutputStream().write(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                p.getOutputStream().close();
                return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).split(" ")[0];
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
