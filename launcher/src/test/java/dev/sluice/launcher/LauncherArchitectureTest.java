package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The launcher reaches stages only through {@code common} ({@code Stage}, {@code StageProvider} and its
 * {@code StageDemo}, {@code CommandProvider}) and configuration: its main code names no package of a stage module or
 * of the tools module, imported or written out in full. Those modules are runtime dependencies only, so a reference
 * would not even compile; this says why when someone widens the scope again.
 */
class LauncherArchitectureTest {
    private static final Path MAIN = Path.of("src", "main", "java");
    private static final Pattern STAGE_PACKAGE = Pattern.compile("\\bdev\\.sluice\\.(ingest|enrichment|generation|analytics|gateway|tools)\\b");

    @Test
    void shouldNameNoStageModulePackageInMainCode() throws IOException {
        List<Path> sources = sources();
        List<String> references = new ArrayList<>();
        for (Path source : sources) {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.startsWith("//") || line.startsWith("*") || line.startsWith("/*")) {
                    continue; // prose may name a stage; code may not
                }
                Matcher m = STAGE_PACKAGE.matcher(line);
                if (m.find()) {
                    references.add(MAIN.relativize(source) + ":" + (i + 1) + ": " + line);
                }
            }
        }
        assertThat(sources).as("the launcher's main sources, read from " + MAIN.toAbsolutePath()).hasSizeGreaterThan(10);
        assertThat(references).as("launcher main code naming a stage module's package").isEmpty();
    }

    @Test
    void shouldSeeAStageImportWhenOneIsWritten() {
        assertThat(STAGE_PACKAGE.matcher("import dev.sluice.analytics.dashboard.DashboardConfig;").find()).isTrue();
        assertThat(STAGE_PACKAGE.matcher("var p = dev.sluice.tools.dlq.DlqCommand.class;").find()).isTrue();
        assertThat(STAGE_PACKAGE.matcher("import dev.sluice.common.StageProvider;").find()).isFalse();
        assertThat(STAGE_PACKAGE.matcher("import dev.sluice.launcher.demo.DemoWorkload;").find()).isFalse();
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }
}
