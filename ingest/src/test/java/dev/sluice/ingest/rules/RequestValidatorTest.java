package dev.sluice.ingest.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** The hand-written id checks accept exactly what the contract's regular expressions accept. */
class RequestValidatorTest {
    private static final String ALPHABET = "0123456789abcdefABCDEFgG-_.:@ |/éx\u0000";

    @Test
    void shouldMatchTheUuidPatternWhenGivenEdgeCasesAndRandomStrings() {
        List<String> cases = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString().toUpperCase(),
                "", "0", "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-00000000000",
                "00000000-0000-0000-0000-0000000000000", "00000000-0000-0000-0000_000000000000",
                "0000000g-0000-0000-0000-000000000000", "000000000-000-0000-0000-000000000000");
        cases.forEach(s -> assertThat(RequestValidator.isUuid(s)).as(s).isEqualTo(RequestValidator.UUID.matcher(s).matches()));
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            String s = mutate(UUID.randomUUID().toString(), random);
            assertThat(RequestValidator.isUuid(s)).as(s).isEqualTo(RequestValidator.UUID.matcher(s).matches());
        }
    }

    @Test
    void shouldMatchTheUserIdPatternWhenGivenEdgeCasesAndRandomStrings() {
        List<String> cases = List.of("", "a", "user-1", "A.b_c:d@e-f", "x".repeat(128), "x".repeat(129), "a b",
                "a|b", "é", "a/b", "a\u0000");
        cases.forEach(s -> assertThat(RequestValidator.isSafeUserId(s)).as(s).isEqualTo(RequestValidator.USER_ID.matcher(s).matches()));
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            String s = mutate("user-" + random.nextInt(1000), random);
            assertThat(RequestValidator.isSafeUserId(s)).as(s).isEqualTo(RequestValidator.USER_ID.matcher(s).matches());
        }
    }

    // Replaces, inserts or deletes a few characters, so about half the strings stay valid.
    private static String mutate(String s, Random random) {
        StringBuilder b = new StringBuilder(s);
        int edits = random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            int at = random.nextInt(b.length() + 1);
            int op = random.nextInt(3);
            if (op == 0 || at == b.length()) {
                b.insert(at, c);
            } else if (op == 1) {
                b.setCharAt(at, c);
            } else {
                b.deleteCharAt(at);
            }
        }
        return b.toString();
    }
}
