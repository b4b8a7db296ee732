package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.Role;
import org.junit.jupiter.api.Test;

class EmbeddingTextTest {
    @Test
    void shouldEmbedOnlyUserMessagesJoinedByNewlineWhenConversationHasSeveralRoles() {
        var admitted = TestRequests.admitted("u1", List.of(
                new ChatMessage(Role.SYSTEM, "system boilerplate"),
                new ChatMessage(Role.USER, "first question"),
                new ChatMessage(Role.ASSISTANT, "an answer"),
                new ChatMessage(Role.USER, "second question")));
        assertThat(EmbeddingText.userText(admitted.getRequest())).isEqualTo("first question\nsecond question");
    }

    @Test
    void shouldEmbedTheOnlyUserMessageAsItIsWhenThereIsOne() {
        var admitted = TestRequests.admitted("u1", List.of(
                new ChatMessage(Role.SYSTEM, "system boilerplate"),
                new ChatMessage(Role.USER, "the question")));
        assertThat(EmbeddingText.userText(admitted.getRequest())).isEqualTo("the question");
    }

    @Test
    void shouldCollapseWhitespaceAndLowercaseWhenNormalisingAsciiText() {
        assertThat(EmbeddingText.normalise("  How DO\tI\n\n Configure ", true, 1000).text()).isEqualTo("how do i configure");
        assertThat(EmbeddingText.normalise("  How DO\tI ", false, 1000).text()).isEqualTo("How DO I");
    }

    @Test
    void shouldCollapseWhitespaceTrimAndComposeWhenNormalising() {
        String decomposed = "Cafe\u0301  au\t\tlait\n\n ";
        EmbeddingText.Normalised n = EmbeddingText.normalise("  " + decomposed, false, 1000);
        assertThat(n.text()).isEqualTo("Caf\u00e9 au lait");
        assertThat(n.truncated()).isFalse();
        assertThat(n.replacedSurrogates()).isFalse();
    }

    @Test
    void shouldLowercaseOnlyWhenTheEmbedderIsCaseInsensitive() {
        assertThat(EmbeddingText.normalise("Hello WORLD", true, 100).text()).isEqualTo("hello world");
        assertThat(EmbeddingText.normalise("Hello WORLD", false, 100).text()).isEqualTo("Hello WORLD");
    }

    @Test
    void shouldReplaceLoneSurrogatesAndKeepPairsWhenTextHasInvalidUtf16() {
        String emoji = "\uD83D\uDE00";
        EmbeddingText.Normalised n = EmbeddingText.normalise("a\uD800b" + emoji + "c\uDC00", false, 100);
        assertThat(n.text()).isEqualTo("a\uFFFDb" + emoji + "c\uFFFD");
        assertThat(n.replacedSurrogates()).isTrue();
    }

    @Test
    void shouldCutToMaxCharsWithoutSplittingASurrogatePairWhenTextIsEnormous() {
        String text = "x".repeat(99) + "\uD83D\uDE00" + "y".repeat(10_000);
        EmbeddingText.Normalised n = EmbeddingText.normalise(text, false, 100);
        assertThat(n.truncated()).isTrue();
        assertThat(n.text()).isEqualTo("x".repeat(99));
    }

    @Test
    void shouldBeEmptyWhenThereIsOnlyWhitespaceOrNoUserMessage() {
        assertThat(EmbeddingText.normalise(" \n\t ", true, 100).isEmpty()).isTrue();
        var noUser = TestRequests.admitted("u1", List.of(new ChatMessage(Role.SYSTEM, "only system")));
        assertThat(EmbeddingText.userText(noUser.getRequest())).isEmpty();
    }

    @Test
    void shouldGiveTheSameResultOnTheAsciiFastPathAsOnTheGeneralPath() {
        String[] samples = {"  Hello\t\tWORLD \n again ", "a\u001Cb\u000Bc", "", "   ", "MiXeD  case\r\nlines", "x".repeat(50)};
        for (String s : samples) {
            for (boolean lower : new boolean[] {true, false}) {
                String viaGeneral = EmbeddingText.normalise(s + "\u00e9", lower, 1000).text();
                String expected = viaGeneral.substring(0, viaGeneral.length() - 1).strip();
                assertThat(EmbeddingText.normalise(s, lower, 1000).text()).as("[" + s + "]").isEqualTo(expected);
            }
        }
        assertThat(EmbeddingText.normalise("abc def", false, 5).text()).isEqualTo("abc d");
        assertThat(EmbeddingText.normalise("abc def", false, 5).truncated()).isTrue();
    }
}
