package dev.sluice.launcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.launcher.CdsCommand;

/**
 * One variant of a stage process in the as-deployed benchmarks: {@code default}, or comma-separated parts, each
 * {@code jar=<path>} (that build of Sluice instead of this one: before and after in one run), {@code java=<JDK home>}
 * (the stage on that JDK instead of the one running the benchmark, e.g. JDK 17 against JDK 25), {@code jvm=<flag>} (one JVM
 * flag; a {@code |} in it stands for a comma, e.g. in an agent's options), {@code cds=<archive>} (a start-up archive,
 * e.g. one {@code sluice cds} wrote) or {@code cds=off} (none), or {@code key=value} (a Sluice setting, passed as
 * {@code --set}). Without {@code cds=} a stage maps the archive next to its jar while that is newer than the jar, as
 * the {@code sluice} script and the Dockerfile do (the build writes {@code target/sluice.jsa}). An archive is always
 * mapped with {@code -Xshare:on}, so that a start fails rather than silently running without an archive that does not
 * match the jar. An archive is one JDK's: a {@code java=} variant maps none unless it names one with {@code cds=}.
 */
record StageVariant(String java, String jar, List<String> jvmFlags, List<String> settings) {
    /**
     * The JVM flags of the Dockerfile's entry point apart from the archive (the {@code sluice} script has the same JIT
     * flag): every variant starts with them, as a deployed stage does. {@code DeployedFlagsTest} keeps the three in step.
     */
    static final List<String> DEPLOYED_FLAGS = List.of("-XX:CompileThresholdScaling=3", "-XX:MaxRAMPercentage=75");
    private static final String JAR = "jar=";
    private static final String JVM = "jvm=";
    private static final String CDS = "cds=";
    private static final String JAVA = "java=";

    static StageVariant parse(String variant) {
        String java = null; // the benchmark's own JDK unless java= names another
        String jar = shadedJar().toString();
        String cds = null;
        List<String> flags = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        for (String part : variant.equals("default") ? List.<String>of() : List.of(variant.split(","))) {
            String p = part.trim();
            if (p.startsWith(JAR)) {
                jar = p.substring(JAR.length());
            } else if (p.startsWith(JVM)) {
                flags.add(p.substring(JVM.length()).replace('|', ','));
            } else if (p.startsWith(JAVA)) {
                java = javaOf(Paths.get(p.substring(JAVA.length())));
            } else if (p.startsWith(CDS)) {
                cds = p.substring(CDS.length());
            } else {
                settings.add(p);
            }
        }
        if (cds == null) {
            // the build's archive is the build JDK's: a stage on another JDK starts without one unless it names its own
            cds = java == null ? besideJar(Paths.get(jar)) : "off";
        }
        if (cds != null && !cds.equals("off")) {
            flags.addAll(0, List.of("-XX:SharedArchiveFile=" + cds, "-Xshare:on"));
        }
        return new StageVariant(java == null ? Drains.JAVA : java, jar, List.copyOf(flags), List.copyOf(settings));
    }

    /** {@code bin/java} of the JDK at {@code home}; a benchmark that cannot start what it names stops at once. */
    private static String javaOf(Path home) {
        Path java = home.resolve("bin").resolve("java");
        if (!Files.isExecutable(java)) {
            throw new IllegalArgumentException("java=" + home + ": no executable " + java);
        }
        return java.toString();
    }

    /** The archive next to {@code jar} if it is newer than the jar (the script's rule), else null. */
    private static String besideJar(Path jar) {
        Path archive = CdsCommand.archiveNextTo(jar);
        try {
            return Files.isRegularFile(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0
                    ? archive.toString() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The start of the stage's command line: {@code java}, the deployed flags, this variant's, {@code -jar <jar> run <stage>}. */
    List<String> command(String stage) {
        List<String> c = new ArrayList<>(List.of(java));
        c.addAll(DEPLOYED_FLAGS);
        c.addAll(jvmFlags);
        c.addAll(List.of("-jar", jar, "run", stage));
        return c;
    }

    /** {@code --set key=value} for each setting. */
    List<String> setArguments() {
        List<String> args = new ArrayList<>();
        settings.forEach(kv -> args.addAll(List.of("--set", kv)));
        return args;
    }

    /** This build's shaded jar (the launcher module's {@code target/sluice.jar}). */
    static Path shadedJar() {
        Path jar = Paths.get(System.getProperty("sluice.launcher.jar", "target/sluice.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: the benchmark runs after package (-Pbench -pl launcher -am verify)");
        }
        return jar;
    }
}
