package dev.sluice.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import dev.sluice.common.ModelCatalog;
import dev.sluice.schema.Role;
import org.junit.jupiter.api.Test;

class ChatRequestParserTest {
    final ChatRequestParser parser = new ChatRequestParser(ModelCatalog.defaults(), 1024);

    ChatRequestParser.ChatCall parse(String json) throws Exception {
        return parser.parse(Json.MAPPER.readTree(json), "alice", "id", Map.of("sluice.gateway", "gw"), Instant.EPOCH);
    }

    static String param(Throwable e) {
        return ((ApiError) e).param();
    }

    @Test
    void shouldBuildARequestOfTheKeysUserWithDefaultsAndJoinedTextParts() throws Exception {
        ChatRequestParser.ChatCall call = parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"developer\",\"content\":\"be brief\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}],\"userId\":\"mallory\"}");

        assertThat(call.request().getUserId()).isEqualTo("alice");
        assertThat(call.request().getMaxOutputTokens()).isEqualTo(1024);
        assertThat(call.request().getMessages().get(0).getRole()).isEqualTo(Role.SYSTEM);
        assertThat(call.request().getMessages().get(1).getContent()).isEqualTo("a\nb");
        assertThat(call.request().getMetadata()).containsEntry("sluice.gateway", "gw");
        assertThat(call.stream()).isFalse();
    }

    @Test
    void shouldRefuseWhatThePipelineWouldSilentlyDropNamingTheField() {
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{}]}"))
                .satisfies(e -> assertThat(param(e)).isEqualTo("tools"));
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}"))
                .satisfies(e -> assertThat(param(e)).isEqualTo("n"));
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"))
                .satisfies(e -> assertThat(param(e)).isEqualTo("messages[0].role"));
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}"))
                .satisfies(e -> assertThat(param(e)).isEqualTo("max_tokens"));
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-4o-mini\",\"messages\":[]}"))
                .satisfies(e -> assertThat(param(e)).isEqualTo("messages"));
    }

    @Test
    void shouldRefuseAModelOutsideTheCatalogWith404() {
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-99\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(404))
                .satisfies(e -> assertThat(param(e)).isEqualTo("model"));
    }

    @Test
    void shouldNeverLetAClientWriteSluiceMetadata() {
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"metadata\":{\"sluice.gateway\":\"forged\"}}")).isInstanceOf(ApiError.class);
    }

    @Test
    void shouldDeriveTheSameRequestIdForTheSameUserAndKeyOnly() {
        assertThat(ChatHandler.requestId("alice", "k1")).isEqualTo(ChatHandler.requestId("alice", "k1"))
                .isNotEqualTo(ChatHandler.requestId("bob", "k1")).isNotEqualTo(ChatHandler.requestId("alice", "k2"));
    }
}
