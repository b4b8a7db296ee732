package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.sluice.testkit.llm.Fault;

/**
 * R5: the provider answers with error bodies that echo the API key, the {@code Authorization: Bearer} header and the
 * prompt, in phases of 400, 401, 500 and 503 (retried, then exhausted) before recovering. A scan of every topic of
 * the deployment (aborted transactions and changelogs included) and of every captured stage log must find the key
 * nowhere; the scan itself is checked against a planted occurrence, and the mock must really have echoed the key.
 */
final class SecretsScenario {
    private static final List<Fault> PHASES = List.of(Fault.echoSecrets(400), Fault.echoSecrets(401), Fault.echoSecrets(500),
            Fault.echoSecrets(503), Fault.none());

    private SecretsScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        Scale scale = suite.scale;
        int n = scale.outageRequests();
        Suite.Mark mark = suite.mark();
        CompletableFuture<Void> sending = suite.workload.sendAsync(n, scale.outageRate(), Workload.users("r5", 50));
        for (int phase = 0; phase < PHASES.size(); phase++) {
            int at = n * phase / PHASES.size();
            await().atMost(Duration.ofMinutes(5)).until(() -> suite.workload.sent() - mark.sentBefore().size() >= at);
            suite.mock.always(PHASES.get(phase));
        }
        Suite.Observed observed = suite.settle(mark, sending, n);
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();
        long inTopics = observed.secretsInTopics();
        long inLogs = observed.secretsInLogs();
        boolean echoed = ProviderOutageScenario.echoedKey(suite.mock, suite.pipeline.apiKey);
        long planted = suite.checker.occurrences(("x Bearer " + suite.pipeline.apiKey + " y").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long prompts = suite.checker.promptTextInLetterHeadersAndLogs();
        long letters = ids.stream().filter(s.dead::containsKey).count();
        return new Verdict("R5 secrets", n, "key-echoing 400/401/500/503 phases", s, ids, inTopics + inLogs)
                .check("the mock echoed the key and bearer token in error bodies", echoed)
                .check("the scanner finds a planted key", planted == 1)
                .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                .check("dead letters were written (their messages were scanned)", letters > 0)
                .check("no prompt text in dead-letter headers or logs: " + prompts, prompts == 0)
                .note(String.format("%d occurrences in topics, %d in logs; %d dead letters %s", inTopics, inLogs, letters,
                        RedisOutageScenario.deadClasses(s, ids)));
    }
}
