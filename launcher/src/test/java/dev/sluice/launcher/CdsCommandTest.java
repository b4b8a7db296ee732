package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The pure parts of {@code sluice cds}: what its training run may see of the environment, and where the archive and its class list go. */
class CdsCommandTest {
    @Test
    void shouldTrainWithoutAnySluiceSettingOrProviderKeyButFindTheRegistryBundle() {
        Map<String, String> env = Map.of(
                "PATH", "/usr/bin", "HOME", "/home/ops",
                "OPENAI_API_KEY", "sk-live", "ANTHROPIC_API_KEY", "sk-ant-live",
                "SLUICE_PROVIDER", "anthropic", "SLUICE_PROVIDER_API_KEY_FILE", "/run/secrets/key",
                "SLUICE_KAFKA_BOOTSTRAP_SERVERS", "prod:9092", "SLUICE_REDIS_URL", "redis://prod:6379",
                "SLUICE_CONFIG_FILE", "/etc/sluice.properties", "SLUICE_APICURIO_HOME", "/opt/apicurio");

        assertThat(CdsCommand.trainingEnvironment(env)).containsOnly(
                Map.entry("PATH", "/usr/bin"), Map.entry("HOME", "/home/ops"), Map.entry("SLUICE_APICURIO_HOME", "/opt/apicurio"));
    }

    @Test
    void shouldPutTheArchiveNextToTheJarWhereTheScriptLooks() {
        assertThat(CdsCommand.archiveNextTo(Path.of("/opt/sluice/launcher/target/sluice.jar")))
                .isEqualTo(Path.of("/opt/sluice/launcher/target/sluice.jsa"));
    }

    @Test
    void shouldLeaveTheTrainingRunsClassListBesideTheArchive() {
        assertThat(CdsCommand.classListNextTo(Path.of("/opt/sluice/launcher/target/sluice.jsa")))
                .isEqualTo(Path.of("/opt/sluice/launcher/target/sluice.classlist"));
    }
}
