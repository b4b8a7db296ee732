package dev.sluice.launcher.it;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.launcher.SluiceCli;
import picocli.CommandLine;

/** Runs the sluice CLI in this JVM, or as a child JVM (the real thing: its own process, signals, exit code). */
record Launch(int exitCode, String out, String err) {
    static Launch inProcess(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCli.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Launch(cli.execute(args), out.toString(), err.toString());
    }

    /**
     * Starts {@code sluice args…} as a child JVM with {@code env} added, output to {@code log}. With
     * {@code shadedJar}, runs {@code java -jar target/sluice.jar} (what users run); otherwise this test
     * class path (which also holds the probe stage).
     */
    static Process child(Map<String, String> env, Path log, boolean shadedJar, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1" /* short-lived: C1 only, see the parent pom */, "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.sluice"));
        if (shadedJar) {
            command.addAll(List.of("-jar", shadedJar().toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), SluiceCli.class.getName()));
        }
        String tmp = env.get("SLUICE_JAVA_TMP");
        if (tmp != null) {
            command.add(command.indexOf("-XX:+UseSerialGC") + 1, "-Djava.io.tmpdir=" + tmp);
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
        builder.environment().putAll(env);
        return builder.start();
    }

    static Path shadedJar() {
        Path jar = Paths.get(System.getProperty("sluice.launcher.jar", "target/sluice.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: integration tests run after package (./mvnw -pl launcher verify)");
        }
        return jar;
    }
}
