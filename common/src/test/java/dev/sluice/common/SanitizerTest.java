package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class SanitizerTest {

    @Test
    void shouldRemoveTheApiKeyBearerTokenAndPromptTextAProviderEchoes() {
        String key = "sk-ant-api03-SECRETSECRETSECRET";
        String prompt = "Summarise the confidential merger memo for ACME";
        String body = "{\"error\":\"invalid x-api-key: " + key + "\", \"headers\":{\"authorization\":\"Bearer tok_9f8e7d6c5b4a\"},"
                + "\"echo\":\"" + prompt + "\"}";

        String clean = Sanitizer.sanitize(body, List.of(key), List.of(prompt));

        assertThat(clean).doesNotContain(key).doesNotContain("tok_9f8e7d6c5b4a").doesNotContain("confidential merger memo")
                .contains("[REDACTED]").contains("[PROMPT]");
    }

    @Test
    void shouldRedactKeyShapedValuesEvenWhenTheSecretIsNotKnown() {
        assertThat(Sanitizer.sanitize("Incorrect API key provided: sk-proj-abcdef123456", List.of(), List.of()))
                .doesNotContain("abcdef123456");
    }

    @Test
    void shouldTruncateLongMessages() {
        assertThat(Sanitizer.sanitize("x".repeat(10_000), List.of(), List.of())).hasSizeLessThanOrEqualTo(Sanitizer.MAX_LENGTH + 1);
    }
}
