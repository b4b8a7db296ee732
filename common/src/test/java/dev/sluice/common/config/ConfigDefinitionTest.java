package dev.sluice.common.config;

import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.PASSWORD;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.junit.jupiter.api.Test;

class ConfigDefinitionTest {
    private static final ConfigDefinition DEF = ConfigDefinition.named("test")
            .define("a.timeout.ms", LONG, 200L, Range.atLeast(1L), LOW, "A timeout, ms.")
            .define("a.enabled", BOOLEAN, true, null, LOW, "On or off.")
            .define("a.secret", PASSWORD, null, Validators.oneOf("right"), LOW, "A secret.");

    @Test
    void shouldReturnTheDefaultWhenUnset() {
        ConfigValues v = DEF.validate(SluiceConfig.of(Map.of()));
        assertThat(v.longValue("a.timeout.ms")).isEqualTo(200);
        assertThat(v.bool("a.enabled")).isTrue();
        assertThat(v.password("a.secret")).isEmpty();
    }

    @Test
    void shouldAcceptUnderscoresAndYesNoAsSluiceAlwaysHas() {
        ConfigValues v = DEF.read(SluiceConfig.of(Map.of("a.timeout.ms", "10_000", "a.enabled", "off")));
        assertThat(v.duration("a.timeout.ms").toMillis()).isEqualTo(10_000);
        assertThat(v.bool("a.enabled")).isFalse();
    }

    @Test
    void shouldNameKeySourceValueAndRangeWhenAValueIsBad() {
        SluiceConfig config = SluiceConfig.load(Map.of(), Optional.empty(), Map.of("SLUICE_A_TIMEOUT_MS", "0"));
        assertThatThrownBy(() -> DEF.validate(config)).isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration a.timeout.ms (environment SLUICE_A_TIMEOUT_MS): '0' — expected a whole number"
                        + " of milliseconds in [1,...]")
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("a.timeout.ms"));
        assertThatThrownBy(() -> DEF.validate(SluiceConfig.of(Map.of("a.enabled", "maybe")))).hasMessageContaining("'maybe'")
                .hasMessageContaining("true or false");
    }

    @Test
    void shouldNeverPutASecretInTheMessage() {
        assertThatThrownBy(() -> DEF.validate(SluiceConfig.of(Map.of("a.secret", "sk-wrong-123"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("a.secret").hasMessageContaining("[hidden]")
                .hasMessageNotContaining("sk-wrong-123");
    }

    @Test
    void shouldNeverPutCredentialsOfAUrlInTheMessage() {
        ConfigDefinition urls = ConfigDefinition.named("urls")
                .define("a.url", STRING, null, Validators.url("redis", "rediss"), LOW, "A URL.");
        for (String bad : new String[] {"redis//:s3cret-pw@cache:6379", "http://admin:s3cret-pw@cache:6379"}) {
            assertThatThrownBy(() -> urls.validate(SluiceConfig.of(Map.of("a.url", bad))))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("a.url").hasMessageContaining("***@cache:6379")
                    .hasMessageNotContaining("s3cret-pw");
        }
    }

    @Test
    void shouldRejectABadDefaultWhenDeclared() {
        assertThatThrownBy(() -> ConfigDefinition.named("x").define("b.ms", LONG, -1L, Range.atLeast(0L), LOW, "doc"))
                .hasMessageContaining("b.ms");
    }
}
