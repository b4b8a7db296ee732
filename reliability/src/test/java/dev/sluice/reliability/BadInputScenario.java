package dev.sluice.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * R4: malformed records of every kind ({@link Malformed.Kind}) interleaved with valid traffic. Each malformed record
 * must land exactly once in {@code llm.dlq} or {@code llm.requests.rejected} with a reason, no stage may stop, and
 * every valid request must complete.
 */
final class BadInputScenario {
    private BadInputScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        Scale scale = suite.scale;
        int valid = scale.validWithBad();
        int bad = scale.malformed();
        Map<StageProcess, Long> pids = suite.pids();
        Suite.Mark mark = suite.mark();
        Malformed malformed = new Malformed(suite.workload, suite.pipeline);
        List<String> users = Workload.users("r4", 20);
        List<Malformed.Bad> sentBad = new ArrayList<>();
        for (int i = 0; i < Math.max(valid, bad); i++) {
            if (i < valid) {
                suite.workload.send(suite.workload.request(users.get(i % users.size()), i));
            }
            if (i < bad) {
                Malformed.Bad b = malformed.next(i);
                sentBad.add(b);
                suite.workload.sendRaw(b.key(), b.value());
            }
        }
        System.out.printf("R4: %,d valid and %,d malformed records sent%n", valid, bad);
        Suite.Observed observed = suite.settle(mark, null, valid + bad);
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();
        Map<String, Long> unhandled = new TreeMap<>();
        Map<String, Long> where = new TreeMap<>();
        for (Malformed.Bad b : sentBad) {
            int letters = s.deadUnattributed.getOrDefault(b.fingerprint(), 0);
            String reasonOfLetter = s.deadClasses.get(b.fingerprint());
            int byId = b.requestId() == null ? 0 : s.rejected.getOrDefault(b.requestId(), 0) + s.dead.getOrDefault(b.requestId(), 0)
                    + s.results.getOrDefault(b.requestId(), 0);
            boolean once = letters + byId == 1;
            String reason = letters == 1 ? reasonOfLetter
                    : s.rejectReasons.containsKey(b.requestId()) ? s.rejectReasons.get(b.requestId()) : s.deadClasses.get(b.requestId());
            boolean inResults = b.requestId() != null && s.results.containsKey(b.requestId());
            if (!once || reason == null || "null".equals(reason) || inResults) {
                unhandled.merge(b.kind().name(), 1L, Long::sum);
            } else {
                where.merge(b.kind() + "→" + (letters == 1 || s.dead.containsKey(b.requestId()) ? "dlq:" : "rejected:") + reason, 1L, Long::sum);
            }
        }
        boolean allAlive = suite.noneRestartedSince(pids)
                && suite.stages().stream().allMatch(p -> String.valueOf(p.health()).contains("\"ready\":true"));
        return new Verdict("R4 bad input", valid + bad, bad + " malformed among " + valid + " valid", s, ids, observed.secrets())
                .check("every malformed record once in llm.dlq or rejected with a reason; unhandled " + unhandled, unhandled.isEmpty())
                .check("every valid request completed", s.withResult(ids) == ids.size())
                .check("exactly one outcome per valid request", s.multipleOutcomes(ids) == 0)
                .check("no stage stopped or restarted", allAlive)
                .note("outcomes: " + where);
    }
}
