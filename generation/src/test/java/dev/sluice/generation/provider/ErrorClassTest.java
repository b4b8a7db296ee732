package dev.sluice.generation.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.DeadLetterError;
import org.junit.jupiter.api.Test;

class ErrorClassTest {
    @Test
    void shouldNameEveryProviderFailureAsADeadLetterErrorClass() {
        for (ErrorClass e : ErrorClass.values()) {
            assertThat(DeadLetterError.parse(e.name())).as(e.name()).contains(DeadLetterError.valueOf(e.name()));
        }
    }
}
