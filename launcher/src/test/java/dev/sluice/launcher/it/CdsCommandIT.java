package dev.sluice.launcher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.embedded.FreePorts;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ./sluice cds} as a user runs it, through the {@code sluice} script in an install of its own (the script, and the
 * shaded jar and registry bundle linked under {@code launcher/target}): the archive is learnt from a demo run that uses
 * no provider key or setting from the environment, a stage started by the script then loads its classes from the
 * archive, and an archive older than the jar (or any, with {@code SLUICE_NO_CDS}) is not given to the JVM.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class CdsCommandIT {
    private static final String SECRET = "sk-cds-training-must-not-use-this-key";
    private static final String FROM_ARCHIVE = "source: shared objects file (top)";

    record Result(int exit, String output) {
    }

    @Test
    void shouldWriteAnArchiveThatTheScriptGivesToEveryStartWhileItIsNewerThanTheJar(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        EndToEndIT.pipeline();
        Path jar = Launch.shadedJar().toAbsolutePath();
        Path home = Files.createDirectories(SluiceInfra.workDir("cds").resolve("install-" + System.nanoTime()));
        Path target = Files.createDirectories(home.resolve("launcher").resolve("target"));
        Files.copy(Paths.get("..", "sluice"), home.resolve("sluice"));
        Files.createSymbolicLink(target.resolve("sluice.jar"), jar);
        Files.createSymbolicLink(target.resolve("apicurio"), jar.resolveSibling("apicurio"));
        Path archive = target.resolve("sluice.jsa");

        Result cds = script(home, Map.of("OPENAI_API_KEY", SECRET, "SLUICE_PROVIDER", "openai"), home.resolve("cds.log"),
                Duration.ofMinutes(8), "cds");

        assertThat(cds.exit()).as(cds.output()).isZero();
        assertThat(archive).isRegularFile();
        assertThat(cds.output()).contains("wrote " + archive).doesNotContain(SECRET);
        String training = Files.readString(target.resolve("sluice.jsa.log"));
        assertThat(training).as("the training run is the demo on its simulated provider")
                .contains("provider simulated").contains("Sluice demo summary").doesNotContain(SECRET);
        assertThat(target.resolve("sluice.jsa.partial")).doesNotExist();

        // a stage started by the script maps its classes from the archive
        String prefix = SluiceInfra.uniquePrefix("cds");
        Map<String, String> cluster = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix);
        assertThat(Launch.inProcess(cluster, "topics", "create").exitCode()).isZero();
        Map<String, String> stageEnv = new HashMap<>(cluster);
        stageEnv.put("SLUICE_HTTP_PORT", Integer.toString(FreePorts.next()));
        stageEnv.put("SLUICE_STATE_DIR", Files.createDirectories(home.resolve("state")).toString());
        stageEnv.put("SLUICE_JAVA_OPTS", "-Xlog:class+load=info");
        Path stageLog = home.resolve("ingest.log");
        Process ingest = start(home, stageEnv, stageLog, "run", "ingest");
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                assertThat(ingest.isAlive()).as(() -> read(stageLog)).isTrue();
                assertThat(read(stageLog)).contains("stage ingest running");
            });
            assertThat(read(stageLog)).contains("dev.sluice.ingest.admission.AdmissionTopology " + FROM_ARCHIVE)
                    .contains("org.apache.kafka.streams.KafkaStreams " + FROM_ARCHIVE);
        } finally {
            ingest.destroy();
            if (!ingest.waitFor(60, TimeUnit.SECONDS)) {
                ingest.destroyForcibly();
            }
        }

        // older than the jar (a rebuild): the script leaves it out, so the JVM loads from the jar and warns about nothing
        FileTime built = Files.getLastModifiedTime(jar);
        Files.setLastModifiedTime(archive, FileTime.fromMillis(built.toMillis() - 3_600_000));
        Result stale = script(home, Map.of("SLUICE_JAVA_OPTS", "-Xlog:class+load=info"), home.resolve("stale.log"), Duration.ofMinutes(1), "--version");
        assertThat(stale.exit()).as(stale.output()).isZero();
        assertThat(stale.output()).contains("dev.sluice.launcher.SluiceCli source: file:").doesNotContain(FROM_ARCHIVE).doesNotContain("[cds");

        // newer again: used
        Files.setLastModifiedTime(archive, FileTime.fromMillis(built.toMillis() + 1_000));
        Result fresh = script(home, Map.of("SLUICE_JAVA_OPTS", "-Xlog:class+load=info"), home.resolve("fresh.log"), Duration.ofMinutes(1), "--version");
        assertThat(fresh.output()).contains("dev.sluice.launcher.SluiceCli " + FROM_ARCHIVE);

        // and SLUICE_NO_CDS leaves even a fresh one out
        Result off = script(home, Map.of("SLUICE_JAVA_OPTS", "-Xlog:class+load=info", "SLUICE_NO_CDS", "1"), home.resolve("off.log"),
                Duration.ofMinutes(1), "--version");
        assertThat(off.output()).contains("dev.sluice.launcher.SluiceCli source: file:").doesNotContain(FROM_ARCHIVE);
    }

    private static Result script(Path home, Map<String, String> env, Path log, Duration limit, String... args) throws Exception {
        Process process = start(home, env, log, args);
        try {
            assertThat(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)).as(() -> read(log)).isTrue();
            return new Result(process.exitValue(), read(log));
        } finally {
            process.destroyForcibly();
        }
    }

    /** {@code sh <home>/sluice args…} with only {@code env}'s Sluice settings (never a build: the jar is there). */
    private static Process start(Path home, Map<String, String> env, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("sh", home.resolve("sluice").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_") || k.endsWith("_API_KEY"));
        builder.environment().put("SLUICE_NO_BUILD", "1");
        builder.environment().putAll(env);
        return builder.start();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
