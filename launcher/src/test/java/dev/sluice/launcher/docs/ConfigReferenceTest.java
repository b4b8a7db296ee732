package dev.sluice.launcher.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** docs/configuration.md is exactly what the configuration classes say; run with -Dsluice.docs.write=true to regenerate. */
class ConfigReferenceTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DOC = ROOT.resolve("docs/configuration.md");

    @Test
    void shouldMatchTheKeysDeclaredInTheConfigurationClasses() throws Exception {
        String generated = ConfigReference.render(ROOT);
        if (Boolean.getBoolean("sluice.docs.write")) {
            Files.writeString(DOC, generated);
        }
        assertThat(DOC).as("docs/configuration.md is stale: regenerate it (see its header)").exists();
        assertThat(Files.readString(DOC)).isEqualTo(generated);
    }

    @Test
    void shouldDocumentEveryKeyWithItsEnvironmentVariable() throws Exception {
        String generated = ConfigReference.render(ROOT);
        assertThat(generated).contains("| `kafka.bootstrap.servers` | `SLUICE_KAFKA_BOOTSTRAP_SERVERS` |")
                .contains("`generation.breaker.failures`").contains("`enrichment.cache.ttl.ms`").contains("`ingest.dedupe.horizon.ms`")
                .contains("`analytics.grace.ms`").contains("`simulated.outage.file`").doesNotContain("DEFAULT_REDIS_URL");
        for (String source : ConfigReference.SOURCES.values()) {
            assertThat(ConfigReference.entries(Files.readString(ROOT.resolve(source)))).as(source).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.description()).as(e.key() + " has no Javadoc in " + source).isNotBlank());
        }
    }
}
