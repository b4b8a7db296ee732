package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {

    @Test
    void shouldShipGpt4oMiniAndAClaudeModelAtListPrices() {
        ModelCatalog catalog = ModelCatalog.defaults();
        assertThat(catalog.price("gpt-4o-mini")).hasValue(new ModelPrice("gpt-4o-mini", 150_000, 600_000));
        assertThat(catalog.allows("claude-sonnet-4-5")).isTrue();
        assertThat(catalog.allows("gpt-2")).isFalse();
    }

    @Test
    void shouldRoundCostsUpToTheNextMicroDollar() {
        ModelPrice mini = new ModelPrice("gpt-4o-mini", 150_000, 600_000);
        assertThat(mini.inputCostMicros(1)).isEqualTo(1);      // 0.15 µ$ rounds up
        assertThat(mini.inputCostMicros(1_000)).isEqualTo(150);
        assertThat(mini.outputCostMicros(1_000_000)).isEqualTo(600_000);
        assertThat(mini.costMicros(0, 0)).isZero();
    }

    @Test
    void shouldLoadAConfiguredFileAndNameTheBadLine(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("models.properties");
        Files.writeString(good, "local-llama = 0, 0\n");
        assertThat(ModelCatalog.from(SluiceConfig.of(Map.of("models.file", good.toString()))).models()).containsExactly("local-llama");

        Path bad = dir.resolve("bad.properties");
        Files.writeString(bad, "broken = 1.5\n");
        assertThatThrownBy(() -> ModelCatalog.from(SluiceConfig.of(Map.of("models.file", bad.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("broken");
    }
}
