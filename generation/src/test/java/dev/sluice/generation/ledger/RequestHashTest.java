package dev.sluice.generation.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class RequestHashTest {
    @Test
    void shouldBeTheFirst128BitsOfSha256OfTheKey() throws Exception {
        String key = "5:alice:0b9f6c1e-request";
        ByteBuffer expected = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));

        assertThat(RequestHash.of(key)).isEqualTo(new RequestHash(expected.getLong(), expected.getLong()));
    }

    @Test
    void shouldNotCarryAnythingFromOneKeyToTheNext() {
        // each key's hash is what it is alone, whatever was hashed before (a reused digest would have to reset)
        RequestHash alone = RequestHash.of("3:bob:7");
        RequestHash.of("5:alice:1");
        RequestHash.of(new byte[0]);

        assertThat(RequestHash.of("3:bob:7")).isEqualTo(alone).isNotEqualTo(RequestHash.of("3:bob:8"));
    }

    @Test
    void shouldGiveTheSameHashOnAnyThread() throws Exception {
        RequestHash here = RequestHash.of("5:alice:42");

        assertThat(CompletableFuture.supplyAsync(() -> RequestHash.of("5:alice:42")).get()).isEqualTo(here);
    }
}
