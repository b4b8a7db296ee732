package dev.sluice.launcher.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code java -jar target/sluice.jar demo} with a short workload, as a user runs it: exits 0, its summary
 * shows each feature happened, and it leaves no temporary directory behind.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DemoIT {
    @Test
    void shouldShowEveryFeatureInTheSummaryAndCleanUp() throws Exception {
        EndToEndIT.pipeline();
        Path tmp = Files.createDirectories(SluiceInfra.workDir("demo").resolve("tmp"));
        Path log = SluiceInfra.workDir("demo").resolve("demo.log");
        Process demo = Launch.child(Map.of("SLUICE_JAVA_TMP", tmp.toString()), log, true,
                "demo", "--requests", "30", "--timeout", "4m");
        try {
            boolean exited = demo.waitFor(8, TimeUnit.MINUTES);
            String output = Files.readString(log);

            assertThat(exited).as(output).isTrue();
            assertThat(demo.exitValue()).as(output).isZero();
            assertThat(output).contains("Sluice demo summary")
                    .contains("[x] rate limit tripped by a burst")
                    .contains("[x] daily budget exhausted")
                    .contains("[x] response cache hits")
                    .contains("[x] embedding cache hits")
                    .contains("[x] malformed record dead-lettered")
                    .contains("[x] duplicate and invalid requests rejected")
                    .contains("cost and savings per user").contains("latency per stage")
                    .contains("[x] provider outage opened the breaker")
                    .contains("[x] fallback answered while the primary was down")
                    .contains("[x] global spend ceiling held")
                    .contains("-- global spend ceiling")
                    .contains("POST /v1/chat/completions -> 200").contains("refused with 429").contains("429 headers: Retry-After")
                    .contains("of 5 lines -> completed")
                    .containsPattern("Dashboard: http://127\\.0\\.0\\.1:\\d+/");
            assertThat(output).doesNotContain("\tat ");
            try (Stream<Path> left = Files.list(tmp)) {
                List<Path> demoDirs = left.filter(p -> p.getFileName().toString().startsWith("sluice-demo-")).toList();
                assertThat(demoDirs).as("temporary directories left behind").isEmpty();
            }
        } finally {
            demo.destroyForcibly();
        }
    }
}
