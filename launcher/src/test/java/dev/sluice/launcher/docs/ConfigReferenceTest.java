package dev.sluice.launcher.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import dev.sluice.common.config.ConfigDefinition;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is exactly what the configuration definitions say; run with -Dsluice.docs.write=true to regenerate. */
class ConfigReferenceTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DOC = ROOT.resolve("docs/configuration.md");

    @Test
    void shouldMatchTheKeysDeclaredInTheConfigurationDefinitions() throws Exception {
        String generated = ConfigReference.render();
        if (Boolean.getBoolean("sluice.docs.write")) {
            Files.writeString(DOC, generated);
        }
        assertThat(DOC).as("docs/configuration.md is stale: regenerate it (see its header)").exists();
        assertThat(Files.readString(DOC)).as("docs/configuration.md is stale: regenerate it (see its header)").isEqualTo(generated);
    }

    @Test
    void shouldDocumentEveryKeyOnceWithItsEnvironmentVariable() {
        String generated = ConfigReference.render();
        assertThat(generated).contains("| `kafka.bootstrap.servers` | `SLUICE_KAFKA_BOOTSTRAP_SERVERS` |")
                .contains("| `enrichment.cache.ttl.ms` | `SLUICE_ENRICHMENT_CACHE_TTL_MS` | `604800000` |")
                .contains("`generation.breaker.failures`").contains("`ingest.dedupe.horizon.ms`").contains("`ingest.tier.<tier>.requests.per.day`")
                .contains("`analytics.grace.ms`").contains("`simulated.outage.file`").contains("`gateway.port`").contains("`dashboard.port`")
                .contains("`ingest.global.budget.per.day.micros`").contains("`generation.endpoints`").contains("`preflight.timeout.ms`");
        Set<String> seen = new HashSet<>();
        assertThat(ConfigReference.definitions()).hasSizeGreaterThanOrEqualTo(11);
        for (ConfigDefinition definition : ConfigReference.definitions()) {
            assertThat(definition.keys()).as(definition.title()).isNotEmpty();
            for (ConfigKey k : definition.keys()) {
                assertThat(k.documentation).as(k.name + " has no documentation").isNotBlank();
                assertThat(seen.add(k.name)).as(k.name + " is declared twice").isTrue();
            }
        }
    }
}
