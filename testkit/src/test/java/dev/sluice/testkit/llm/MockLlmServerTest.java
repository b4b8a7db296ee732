package dev.sluice.testkit.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

class MockLlmServerTest {
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void shouldKeepEveryCallWithItsBodyByDefault() throws Exception {
        try (MockLlmServer mock = MockLlmServer.start()) {
            assertThat(post(mock).statusCode()).isEqualTo(200);

            assertThat(mock.callCount()).isEqualTo(1);
            assertThat(mock.calls()).singleElement().satisfies(c -> {
                assertThat(c.path()).isEqualTo("/v1/chat/completions");
                assertThat(c.body()).isEqualTo(BODY);
            });
        }
    }

    @Test
    void shouldCountButNotKeepCallsWhenTheLogIsOff() throws Exception {
        try (MockLlmServer mock = MockLlmServer.start().logCalls(false)) {
            HttpResponse<String> answer = post(mock);
            post(mock);

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"completion_tokens\":8");
            assertThat(mock.callCount()).isEqualTo(2);
            assertThat(mock.calls()).isEmpty();
        }
    }

    private static HttpResponse<String> post(MockLlmServer mock) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(mock.openAiBaseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
