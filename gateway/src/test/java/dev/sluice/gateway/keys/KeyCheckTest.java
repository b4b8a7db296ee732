package dev.sluice.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import dev.sluice.schema.ApiKey;
import org.junit.jupiter.api.Test;

class KeyCheckTest {
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    static ApiKey key(Instant expires, Instant revoked) {
        String hash = ApiKeys.hash("sk-sluice-test");
        return ApiKey.newBuilder().setKeyHash(hash).setKeyId(ApiKeys.keyId(hash)).setUserId("alice").setCreatedAt(NOW.minusSeconds(60))
                .setExpiresAt(expires).setRevokedAt(revoked).build();
    }

    @Test
    void shouldLetAValidKeyInAsItsUser() {
        assertThat(KeyCheck.check(key(NOW.plusSeconds(1), null), NOW).principal()).hasValueSatisfying(p -> {
            assertThat(p.userId()).isEqualTo("alice");
            assertThat(p.keyId()).hasSize(ApiKeys.KEY_ID_LENGTH);
        });
    }

    @Test
    void shouldRefuseUnknownRevokedAndExpiredKeys() {
        assertThat(KeyCheck.check(null, NOW).refusal()).isEqualTo(KeyCheck.Refusal.UNKNOWN);
        assertThat(KeyCheck.check(key(null, NOW.minusSeconds(1)), NOW).refusal()).isEqualTo(KeyCheck.Refusal.REVOKED);
        assertThat(KeyCheck.check(key(NOW, null), NOW).refusal()).isEqualTo(KeyCheck.Refusal.EXPIRED);
    }

    @Test
    void shouldGenerateDistinctHighEntropyKeysWhoseHashIsNotTheKey() {
        String a = ApiKeys.generate();
        String b = ApiKeys.generate();
        assertThat(a).startsWith(ApiKeys.PREFIX).hasSize(ApiKeys.PREFIX.length() + 43).isNotEqualTo(b);
        assertThat(ApiKeys.hash(a)).hasSize(64).doesNotContain(a.substring(ApiKeys.PREFIX.length()));
    }
}
