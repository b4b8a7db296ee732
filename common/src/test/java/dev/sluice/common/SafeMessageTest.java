package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SafeMessageTest {

    static final class Composed extends RuntimeException implements SafeMessage {
        Composed(String message) {
            super(message);
        }
    }

    @Test
    void shouldShowTheMessageOfAnExceptionMarkedSafe() {
        assertThat(SafeMessage.shown(new Composed("the answer from embed.example is larger than 8388608 bytes")))
                .isEqualTo("Composed: the answer from embed.example is larger than 8388608 bytes");
    }

    @Test
    void shouldShowAnyOtherExceptionByItsClassNameAlone() {
        assertThat(SafeMessage.shown(new IllegalStateException("echoes the prompt: tell me about Halvorsen")))
                .isEqualTo("IllegalStateException");
    }

    @Test
    void shouldStillRemoveAnythingShapedLikeASecretFromAMarkedMessage() {
        assertThat(SafeMessage.shown(new Composed("failed with Authorization: Bearer abcdefgh12345678")))
                .doesNotContain("abcdefgh12345678");
    }

    @Test
    void shouldShowAMarkedExceptionWithoutAMessageByItsClassName() {
        assertThat(SafeMessage.shown(new Composed(null))).isEqualTo("Composed");
    }
}
