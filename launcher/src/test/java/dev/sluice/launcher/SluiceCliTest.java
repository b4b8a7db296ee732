package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.sluice.common.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SluiceCliTest {
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void shouldListAvailableStagesWhenStageIsUnknown() {
        CliRun run = CliRun.of(Map.of(), "run", "nonesuch");

        assertThat(run.exitCode()).isEqualTo(LauncherException.EXIT_FAILURE);
        assertThat(run.err()).contains("unknown stage 'nonesuch'").contains("available stages:").contains("probe");
    }

    @Test
    void shouldOfferDeadLetterAndReportCommands() {
        assertThat(CliRun.of(Map.of(), "dlq", "--help").out()).contains("list").contains("inspect").contains("replay");
        assertThat(CliRun.of(Map.of(), "report", "--help").out()).contains("--since");
    }

    @Test
    void shouldListTheModulesCommandsAfterItsOwnWhenNoCommandIsGiven() {
        // dlq, report and reservations come from the tools module, keys from the gateway (CommandProvider); tools is first on the class path
        assertThat(CliRun.of(Map.of(), "--help").out())
                .containsSubsequence("demo", "run", "topics", "load", "cds", "help", "dlq", "report", "reservations", "keys");
        assertThat(CliRun.of(Map.of()).err()).contains("a command is required: demo, run, topics, load, cds, dlq, report, reservations, keys");
    }

    @Test
    void shouldReadDeadLetterAndReportSettingsFromTheGivenEnvironment() {
        CliRun dlq = CliRun.of(Map.of(), "dlq", "list");
        CliRun report = CliRun.of(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"), "report");

        assertThat(dlq.exitCode()).isEqualTo(SluiceCli.EXIT_CONFIG);
        assertThat(dlq.err()).contains("kafka.bootstrap.servers").contains("SLUICE_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(report.exitCode()).isEqualTo(SluiceCli.EXIT_CONFIG);
        assertThat(report.err()).contains("schema.registry.url");
        CliRun reservations = CliRun.of(Map.of(), "reservations", "--older-than", "1h");
        assertThat(reservations.exitCode()).isEqualTo(SluiceCli.EXIT_CONFIG);
        assertThat(reservations.err()).contains("kafka.bootstrap.servers").contains("SLUICE_KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void shouldNameTheKeyWhenBootstrapServersAreMissing() {
        CliRun run = CliRun.of(Map.of(), "run", "probe");

        assertThat(run.exitCode()).isEqualTo(SluiceCli.EXIT_CONFIG);
        assertThat(run.err()).contains("kafka.bootstrap.servers").contains("SLUICE_KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void shouldNameTheKeyAndValueWhenHttpPortIsInvalid() {
        CliRun run = CliRun.of(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1", "SLUICE_HTTP_PORT", "eighty"), "run", "probe");

        assertThat(run.exitCode()).isEqualTo(SluiceCli.EXIT_CONFIG);
        assertThat(run.err()).contains("http.port").contains("eighty").contains("environment SLUICE_HTTP_PORT");
    }

    @Test
    void shouldFailFastWithoutStackTraceWhenKafkaIsUnreachable() throws IOException {
        CliRun run = CliRun.of(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + closedPort(),
                "SLUICE_PREFLIGHT_TIMEOUT_MS", "1500"), "run", "probe");

        assertThat(run.exitCode()).isEqualTo(LauncherException.EXIT_UNREACHABLE);
        assertThat(run.err()).contains("Kafka is unreachable").contains("kafka.bootstrap.servers").doesNotContain("\tat ");
    }

    @Test
    void shouldNameTheKeyWhenBootstrapServersCannotBeParsed() {
        CliRun run = CliRun.of(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", "no-port-here"), "run", "probe");

        assertThat(run.exitCode()).isEqualTo(SluiceCli.EXIT_CONFIG);
        assertThat(run.err()).contains("kafka.bootstrap.servers").contains("no-port-here");
    }

    @Test
    void shouldFailFastWhenTheRegistryIsUnreachable() throws IOException {
        CliRun run = CliRun.of(Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1",
                "SLUICE_SCHEMA_REGISTRY_URL", "http://127.0.0.1:" + closedPort()), "topics", "create");

        assertThat(run.exitCode()).isEqualTo(LauncherException.EXIT_UNREACHABLE);
        assertThat(run.err()).contains("schema registry is unreachable").contains("SLUICE_SCHEMA_REGISTRY_URL")
                .contains("connection refused").doesNotContain("\tat ");
    }

    @Test
    void shouldRejectANonHttpRegistryUrlNamingTheKey() {
        CliRun run = CliRun.of(Map.of("SLUICE_SCHEMA_REGISTRY_URL", "localhost:8081"), "topics", "create");

        assertThat(run.exitCode()).isEqualTo(SluiceCli.EXIT_CONFIG);
        assertThat(run.err()).contains("schema.registry.url").contains("localhost:8081");
    }

    @Test
    void shouldRejectBadLoadOptionsAsUsageErrors() {
        CliRun run = CliRun.of(Map.of(), "load", "--duration", "soon");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("'soon' is not a duration");
    }

    @Test
    void shouldLayerFileThenEnvironmentThenSetOverrides(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sluice.properties");
        Files.writeString(file, "topic.prefix=file.\ntopic.partitions=3\nhttp.port=9000\n");
        ConfigOptions options = new ConfigOptions();
        options.file = file;
        options.overrides.put("http.port", "9100");

        SluiceConfig config = options.load(Map.of(), Map.of("SLUICE_TOPIC_PARTITIONS", "12"));

        assertThat(config.string("topic.prefix", "")).isEqualTo("file.");
        assertThat(config.intValue("topic.partitions", 6, 1, 100)).isEqualTo(12);
        assertThat(config.intValue("http.port", 8080, 0, 65535)).isEqualTo(9100);
    }

    @Test
    void shouldReadTheFileNamedBySluiceConfigFileWhenNoOptionIsGiven(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("env.properties");
        Files.writeString(file, "kafka.security.protocol=SASL_SSL\n");

        SluiceConfig config = new ConfigOptions().load(Map.of(), Map.of("SLUICE_CONFIG_FILE", file.toString()));

        assertThat(config.withPrefix("kafka.")).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void shouldShowUsageListingEveryCommand() {
        CliRun run = CliRun.of(Map.of(), "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("demo").contains("run").contains("topics").contains("load");
    }
}
