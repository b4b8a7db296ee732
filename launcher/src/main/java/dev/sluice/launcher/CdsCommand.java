package dev.sluice.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sluice cds}: writes a class-data-sharing archive of the classes a Sluice process loads, so every later
 * start maps them instead of reading, parsing and verifying them from the jar (the JDK's own AppCDS: a dynamic archive
 * made with {@code -XX:ArchiveClassesAtExit}). It learns the classes from one run of {@code sluice demo} in a child
 * JVM (every stage, the embedded broker and registry, the simulated provider), checks that the JVM can map the result
 * ({@code -Xshare:on}) and only then moves it into place. The {@code sluice} script passes it to every command while it
 * is newer than the jar; a JVM that cannot use it (another JDK) says so in one warning line and starts without it.
 *
 * <p>The build already writes an archive at the same place (a static dump of the classes in the shipped
 * {@code launcher/src/main/cds/sluice.classlist}), so this command is for a machine whose {@code java} differs from the
 * build's, or a build whose classes have moved on from that list. Beside the archive it leaves the class list of its
 * training run ({@code sluice.classlist}): the file to copy over the shipped one to bring that up to date.
 */
@Command(name = "cds", mixinStandardHelpOptions = true,
        description = {"Write a class-data-sharing archive, trained on this machine, that makes every sluice process start faster.",
                "Runs the demo once (simulated provider, embedded broker and registry) to learn the classes; "
                        + "the sluice script uses the archive while it is newer than the jar. The build writes one already; "
                        + "this one is for a java other than the build's."})
public final class CdsCommand implements Callable<Integer> {
    /** Output of the training run, kept next to the archive. */
    static final String LOG_SUFFIX = ".log";

    @ParentCommand SluiceCli cli;
    @Spec CommandSpec spec;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Where to write the archive (default: sluice.jsa next to the jar, where the sluice script looks for it).")
    Path output;

    @Option(names = "--timeout", defaultValue = "PT6M", converter = DurationConverter.class,
            description = "Longest the training run may take (default 6m).")
    Duration timeout;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path jar = ownJar();
        Path archive = (output != null ? output : archiveNextTo(jar)).toAbsolutePath();
        Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
        Path log = archive.resolveSibling(archive.getFileName() + LOG_SUFFIX);
        Path classList = classListNextTo(archive);
        Path partialList = classList.resolveSibling(classList.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        Files.deleteIfExists(partialList);
        Files.deleteIfExists(log);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("sluice cds: learning the classes from one run of the demo (simulated provider; output in %s)…%n", log);
        out.flush();
        long started = System.nanoTime();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        int trained = run(List.of(java, "-XX:ArchiveClassesAtExit=" + partial, "-XX:DumpLoadedClassList=" + partialList,
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.sluice", "-jar", jar.toString(), "demo"), log, timeout);
        if (trained != 0 || !Files.isRegularFile(partial)) {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(partialList);
            throw new LauncherException("the training run (sluice demo) " + (trained < 0 ? "did not finish within " + timeout.toSeconds() + " s"
                    : "exited with " + trained) + " and no archive was written; its output is in " + log);
        }
        // -Xshare:on refuses to start unless the archive maps: never put one in place that every start would ignore
        int mapped = run(List.of(java, "-Xshare:on", "-XX:SharedArchiveFile=" + partial, "-jar", jar.toString(), "--version"),
                log, Duration.ofMinutes(1));
        if (mapped != 0) {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(partialList);
            throw new LauncherException("the archive was written but this JVM cannot map it (exit " + mapped + "); nothing was changed");
        }
        Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (Files.isRegularFile(partialList)) {
            Files.move(partialList, classList, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        out.printf("sluice cds: wrote %s (%,d MB) in %.0f s; the sluice script uses it while it is newer than %s (a build replaces it with "
                + "the build's own archive; run sluice cds again after a JDK change)%n", archive, Files.size(archive) >> 20,
                (System.nanoTime() - started) / 1e9, jar.getFileName());
        return 0;
    }

    /** {@code sluice.jar} → {@code sluice.jsa} in the same directory: where the {@code sluice} script (and the benchmarks) look. */
    public static Path archiveNextTo(Path jar) {
        String name = jar.getFileName().toString();
        return jar.resolveSibling((name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name) + ".jsa");
    }

    /**
     * {@code sluice.jsa} → {@code sluice.classlist} beside it: the classes the training run loaded, in the JDK's class-list
     * format. The build makes its default archive from a copy of it ({@code launcher/src/main/cds/sluice.classlist});
     * copying a fresh one there is how that list is kept up to date.
     */
    static Path classListNextTo(Path archive) {
        String name = archive.getFileName().toString();
        return archive.resolveSibling((name.endsWith(".jsa") ? name.substring(0, name.length() - 4) : name) + ".classlist");
    }

    /**
     * The training run's environment: this one without any Sluice setting or provider key, so it runs the demo on its
     * simulated provider, its own broker, registry and Redis (never a real provider, cluster or cache), wherever it is
     * started. Only where the registry bundle is stays. (Sluice reads its configuration from exactly these variables:
     * {@code SLUICE_*} and {@code *_API_KEY}, see {@code SluiceConfig.load}.)
     */
    static Map<String, String> trainingEnvironment(Map<String, String> env) {
        return env.entrySet().stream()
                .filter(e -> e.getKey().equals("SLUICE_APICURIO_HOME")
                        || !(e.getKey().startsWith("SLUICE_") || e.getKey().endsWith("_API_KEY")))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Runs {@code command} with the training environment, output appended to {@code log}; its exit code, -1 past {@code limit}. */
    private int run(List<String> command, Path log, Duration limit) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(trainingEnvironment(cli.env()));
        Process process = builder.start();
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                return -1;
            }
            return process.exitValue();
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * The jar this process runs, as it was named on the command line ({@code java -jar <path>}: the path the {@code sluice}
     * script gives, symbolic links kept, so the archive lands where the script looks and names the class path the script uses).
     */
    private static Path ownJar() {
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.contains(File.pathSeparator) && classPath.endsWith(".jar") && Files.isRegularFile(Paths.get(classPath))) {
            return Paths.get(classPath).toAbsolutePath();
        }
        throw new LauncherException("sluice cds archives the classes of the shaded jar; run it as ./sluice cds (java -jar "
                + "launcher/target/sluice.jar cds), not from the class path " + classPath);
    }
}
