package dev.sluice.enrichment.embed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The local model must not write telemetry or files outside the configured state directory. A fresh JVM (so no
 * native library is loaded yet) runs the model with HOME, user.home and java.io.tmpdir pointed at empty directories;
 * afterwards those must still be empty (no ~/.cache/Microsoft, ~/.djl.ai, ~/.cache/JNA, onnxruntime-java*), and no
 * /tmp/mat-debug-&lt;pid&gt;.log may exist.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class NoFilesOutsideStateDirIT {
    @Test
    void shouldWriteOnlyInsideTheStateDirWhenLoadingAndRunningTheModel() throws Exception {
        Path root = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "side-effects-");
        Path home = Files.createDirectories(root.resolve("home"));
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        Path state = root.resolve("state");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:-UsePerfData", "-Duser.home=" + home, "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), SideEffectProbe.class.getName(), state.toString())
                .redirectErrorStream(true).redirectOutput(root.resolve("probe.log").toFile());
        pb.environment().put("HOME", home.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("DJL_") || k.equals("ENGINE_CACHE_DIR"));
        Process probe = pb.start();
        assertThat(probe.waitFor(120, TimeUnit.SECONDS)).as("probe finished").isTrue();
        String log = Files.readString(root.resolve("probe.log"), StandardCharsets.UTF_8);
        assertThat(probe.exitValue()).as(log).isZero();
        assertThat(log).contains("dims=384");

        assertThat(filesUnder(home)).as("nothing under HOME (e.g. .cache/Microsoft, .djl.ai, .cache/JNA)").isEmpty();
        assertThat(filesUnder(tmp)).as("nothing left in java.io.tmpdir (e.g. onnxruntime-java*)").isEmpty();
        assertThat(Paths.get("/tmp/mat-debug-" + probe.pid() + ".log")).doesNotExist();
        assertThat(state.resolve("native/onnxruntime-" + NativeLibraries.ORT_VERSION + "/libonnxruntime.so")).exists();
        assertThat(filesUnder(state.resolve("native/djl"))).anyMatch(p -> p.endsWith("libtokenizers.so"));
    }

    private static List<String> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).toList();
        }
    }
}
