package dev.sluice.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The results table: one row per scenario, printed when the scenario ends and kept in
 * {@code target/reliability-rows/} (a file per scenario, so the two test JVMs the suite runs in never overwrite each
 * other's rows); {@code target/reliability-table.md} is rebuilt from those files after every row, under a file lock,
 * in the order the rows were written. A scenario run again replaces its row.
 */
final class ResultsTable {
    static final Path FILE = Paths.get("target", "reliability-table.md");
    static final Path ROWS = Paths.get("target", "reliability-rows");

    /**
     * @param callsPerRequest provider calls divided by requests that reached generation
     * @param secrets         API-key occurrences in all topics and captured logs
     * @param notes           what else was checked, in a few words
     */
    record Row(String scenario, long requests, String faults, long lost, long duplicateResults, long duplicateCosts,
               double callsPerRequest, long secrets, boolean pass, String notes) {
        String markdown() {
            return String.format("| %s | %,d | %s | %d | %d | %d | %.4f | %d | %s | %s |", scenario, requests, faults, lost,
                    duplicateResults, duplicateCosts, callsPerRequest, secrets, pass ? "PASS" : "FAIL", notes);
        }
    }

    private ResultsTable() {}

    static synchronized void add(Row row) {
        System.out.println("RELIABILITY " + header().get(0));
        System.out.println("RELIABILITY " + row.markdown());
        try {
            Files.createDirectories(ROWS.toAbsolutePath());
            try (FileChannel lock = FileChannel.open(ROWS.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = lock.lock()) {
                String file = row.scenario().replaceAll("[^A-Za-z0-9]+", "-") + ".md";
                Files.writeString(ROWS.resolve(file), row.markdown() + System.lineSeparator());
                List<Path> rows;
                try (Stream<Path> listed = Files.list(ROWS)) {
                    rows = listed.filter(f -> f.getFileName().toString().endsWith(".md"))
                            .sorted(Comparator.comparing(ResultsTable::written)).toList();
                }
                List<String> lines = new ArrayList<>(List.of("Scale: " + Scale.current().name(), ""));
                lines.addAll(header());
                for (Path f : rows) {
                    lines.add(Files.readString(f).strip());
                }
                Files.write(FILE, lines);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime written(Path f) {
        try {
            return Files.getLastModifiedTime(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> header() {
        return List.of("| scenario | requests | kills / outage | lost | duplicate results | duplicate costs | calls / request | secrets found | verdict | notes |",
                "|---|---:|---|---:|---:|---:|---:|---:|---|---|");
    }
}
