package dev.sluice.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The as-deployed benchmarks measure a stage with the JVM flags users get: those of the Dockerfile's entry point, whose
 * JIT flag the {@code sluice} script passes too. A flag changed in one place and not the others would make the
 * benchmark measure something nobody runs.
 */
class DeployedFlagsTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void shouldStartBenchmarkedStagesWithTheDockerfilesEntryPointFlags() throws IOException {
        Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[(.*)]$").matcher(Files.readString(ROOT.resolve("Dockerfile")));
        assertThat(entry.find()).as("the Dockerfile has an exec-form ENTRYPOINT").isTrue();
        List<String> words = new ArrayList<>();
        Matcher word = Pattern.compile("\"([^\"]*)\"").matcher(entry.group(1));
        while (word.find()) {
            words.add(word.group(1));
        }

        List<String> expected = new ArrayList<>(List.of("java", "-XX:SharedArchiveFile=/app/sluice.jsa"));
        expected.addAll(StageVariant.DEPLOYED_FLAGS);
        expected.addAll(List.of("-jar", "/app/sluice.jar"));
        assertThat(words).isEqualTo(expected);
    }

    @Test
    void shouldGiveTheScriptsCommandsTheSameJitFlags() throws IOException {
        Matcher jit = Pattern.compile("(?m)^JIT=\"(.*)\"$").matcher(Files.readString(ROOT.resolve("sluice")));
        assertThat(jit.find()).as("the sluice script sets JIT").isTrue();

        List<String> jitFlags = StageVariant.DEPLOYED_FLAGS.stream().filter(f -> !f.startsWith("-XX:MaxRAMPercentage")).toList();
        assertThat(List.of(jit.group(1).split(" "))).isEqualTo(jitFlags);
    }
}
