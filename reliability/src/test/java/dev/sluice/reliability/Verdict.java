package dev.sluice.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A scenario's verdict: the standard figures (lost, duplicate results and costs, calls per request, secrets) from a
 * checker snapshot plus the scenario's own named checks; recorded as one row of the results table.
 */
final class Verdict {
    /** How long the outcome topics must stay quiet before the checker reads them: 30 transaction commit intervals. */
    static final java.time.Duration QUIET = java.time.Duration.ofSeconds(3);

    private final String scenario;
    private final long requests;
    private final String faults;
    private final Checker.Snapshot snapshot;
    private final Set<String> ids;
    private final long secrets;
    private final List<String> failed = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Verdict(String scenario, long requests, String faults, Checker.Snapshot snapshot, Set<String> ids, long secrets) {
        this.scenario = scenario;
        this.requests = requests;
        this.faults = faults;
        this.snapshot = snapshot;
        this.ids = ids;
        this.secrets = secrets;
        check("0 lost", snapshot.lost(ids) == 0);
        check("0 duplicate results", snapshot.duplicateResults(ids) == 0);
        check("0 duplicate cost events", snapshot.duplicateCosts(ids) == 0);
        check("0 secrets", secrets == 0);
    }

    /** Fails the verdict with {@code what} unless {@code ok}. */
    Verdict check(String what, boolean ok) {
        if (!ok) {
            failed.add(what);
        }
        return this;
    }

    Verdict note(String note) {
        notes.add(note);
        return this;
    }

    boolean pass() {
        return failed.isEmpty();
    }

    String failures() {
        return scenario + " failed: " + failed;
    }

    void record() {
        String text = String.join("; ", notes) + (failed.isEmpty() ? "" : "; FAILED: " + String.join(", ", failed));
        ResultsTable.add(new ResultsTable.Row(scenario, requests, faults, snapshot.lost(ids), snapshot.duplicateResults(ids),
                snapshot.duplicateCosts(ids), ids.isEmpty() ? 0 : (double) snapshot.calls(ids) / ids.size(), secrets, pass(), text));
    }
}
