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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
 * archive, and an archive older than the jar (or any, with {@code SLUICE_NO_CDS}) is not given to the JVM; the shipped
 * class list the build makes its own archive from still covers what the training run loads. And the default: a stage
 * the repository's script starts maps the archive the build wrote.
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
        assertThat(target.resolve("sluice.classlist.partial")).doesNotExist();
        assertShippedClassListCovers(target.resolve("sluice.classlist"));

        // a stage started by the script maps its classes from the archive
        String stageLog = ingestStartedBy(home, kafka, registry);
        assertThat(stageLog).contains("dev.sluice.ingest.admission.AdmissionTopology " + FROM_ARCHIVE)
                .contains("org.apache.kafka.streams.KafkaStreams " + FROM_ARCHIVE);

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

    /**
     * The default: the build's own archive (a static dump of the shipped class list, written in {@code package} next to
     * the jar) is mapped by a stage the repository's {@code sluice} script starts, with no {@code sluice cds} run.
     */
    @Test
    void shouldStartAStageFromTheArchiveTheBuildWrote(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        EndToEndIT.pipeline();
        Path jar = Launch.shadedJar().toAbsolutePath();
        Path archive = jar.resolveSibling("sluice.jsa");
        assertThat(archive).as("package writes the start-up archive next to the jar").isRegularFile();
        assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(Files.getLastModifiedTime(jar));
        Path home = Paths.get("..").toAbsolutePath().normalize();
        assertThat(home.resolve("launcher").resolve("target").resolve("sluice.jar")).isEqualTo(jar);

        String stageLog = ingestStartedBy(home, kafka, registry);

        assertThat(stageLog).contains("dev.sluice.ingest.admission.AdmissionTopology source: shared objects file")
                .contains("org.apache.kafka.streams.KafkaStreams source: shared objects file")
                .doesNotContain("[cds");
    }

    /**
     * The class list the build dumps its archive from must still name nearly every class a Sluice process loads from the
     * jar: a fresh training run's list ({@code sluice cds} leaves one next to its archive) is the measure.
     */
    private static void assertShippedClassListCovers(Path fresh) throws IOException {
        Set<String> shipped = jarClasses(Paths.get("src", "main", "cds", "sluice.classlist"));
        Set<String> loaded = jarClasses(fresh);
        assertThat(loaded).as("the training run's class list").hasSizeGreaterThan(1_000);
        Set<String> missing = new TreeSet<>(loaded);
        missing.removeAll(shipped);
        assertThat(missing.size()).as("classes a demo loads from the jar that launcher/src/main/cds/sluice.classlist does not name "
                + "(refresh it: ./sluice cds && cp launcher/target/sluice.classlist launcher/src/main/cds/); first of them: "
                + missing.stream().limit(20).toList()).isLessThanOrEqualTo(loaded.size() / 10);
    }

    /** The classes a class list names that come from the jar rather than the JDK. */
    private static Set<String> jarClasses(Path classList) throws IOException {
        try (Stream<String> lines = Files.lines(classList)) {
            return lines.filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("@"))
                    .map(l -> l.split(" ", 2)[0])
                    .filter(c -> !(c.startsWith("java/") || c.startsWith("javax/") || c.startsWith("jdk/") || c.startsWith("sun/")
                            || c.startsWith("com/sun/")))
                    .collect(Collectors.toSet());
        }
    }

    /** Starts {@code <home>/sluice run ingest} logging every class load; its log once the stage runs. */
    private static String ingestStartedBy(Path home, KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = SluiceInfra.uniquePrefix("cds");
        Map<String, String> cluster = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix);
        assertThat(Launch.inProcess(cluster, "topics", "create").exitCode()).isZero();
        Path work = Files.createDirectories(SluiceInfra.workDir("cds").resolve(prefix));
        Map<String, String> stageEnv = new HashMap<>(cluster);
        stageEnv.put("SLUICE_HTTP_PORT", Integer.toString(FreePorts.next()));
        stageEnv.put("SLUICE_STATE_DIR", Files.createDirectories(work.resolve("state")).toString());
        stageEnv.put("SLUICE_JAVA_OPTS", "-Xlog:class+load=info");
        Path stageLog = work.resolve("ingest.log");
        Process ingest = start(home, stageEnv, stageLog, "run", "ingest");
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                assertThat(ingest.isAlive()).as(() -> read(stageLog)).isTrue();
                assertThat(read(stageLog)).contains("stage ingest running");
            });
            return read(stageLog);
        } finally {
            ingest.destroy();
            if (!ingest.waitFor(60, TimeUnit.SECONDS)) {
                ingest.destroyForcibly();
            }
        }
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
