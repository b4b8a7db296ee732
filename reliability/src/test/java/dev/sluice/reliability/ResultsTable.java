package dev.sluice.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The results table: one row per scenario, printed when the scenario ends and rewritten to
 * {@code target/reliability-table.md} after every row, so the file always holds this run's rows.
 */
final class ResultsTable {
    static final Path FILE = Paths.get("target", "reliability-table.md");
    private static final List<Row> ROWS = new ArrayList<>();

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
        ROWS.removeIf(r -> r.scenario().equals(row.scenario()));
        ROWS.add(row); // in the order the scenarios ran
        System.out.println("RELIABILITY " + header().get(0));
        System.out.println("RELIABILITY " + row.markdown());
        List<String> lines = new ArrayList<>(List.of("Scale: " + Scale.current().name(), ""));
        lines.addAll(header());
        ROWS.forEach(r -> lines.add(r.markdown()));
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Files.write(FILE, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> header() {
        return List.of("| scenario | requests | kills / outage | lost | duplicate results | duplicate costs | calls / request | secrets found | verdict | notes |",
                "|---|---:|---|---:|---:|---:|---:|---:|---|---|");
    }
}
