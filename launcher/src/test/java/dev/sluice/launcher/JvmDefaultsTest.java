package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * On a one- or two-core machine CompletableFuture's default executor starts a thread per task (the JDK HttpClient
 * hands every sendAsync response to it); a Sluice process must use the common pool instead. Checked in a child JVM
 * told it has one processor, since the pool reads its setting once per JVM.
 */
class JvmDefaultsTest {
    private static String probe(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ActiveProcessorCount=1", "-cp", System.getProperty("java.class.path"), CommonPoolProbe.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void shouldRunAsyncTasksOnTheCommonPoolNotAThreadEachOnOneProcessor() throws Exception {
        assertThat(probe()).isEqualTo("2 java.util.concurrent.ForkJoinPool");
    }

    @Test
    void shouldStartAThreadPerAsyncTaskOnOneProcessorWithoutTheDefaults() throws Exception {
        // What the JDK does on its own, i.e. why the default exists.
        assertThat(probe("without")).endsWith("ThreadPerTaskExecutor");
    }
}
