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

    @Test
    void shouldNeverShowTheCredentialsOfAUrl() {
        assertThat(Sanitizer.withoutCredentials("rediss://default:hunter2@cache.example:6380/0")).isEqualTo("rediss://***@cache.example:6380/0");
        assertThat(Sanitizer.withoutCredentials("redis//:hunter2@cache:6379")).as("malformed, still hidden").doesNotContain("hunter2");
        assertThat(Sanitizer.withoutCredentials("redis://127.0.0.1:6379")).isEqualTo("redis://127.0.0.1:6379");
        assertThat(Sanitizer.withoutCredentials(null)).isEmpty();
    }
}
