package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import dev.sluice.tools.dlq.DlqCommand;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import picocli.CommandLine;

/**
 * R3: the provider answers 503 for the outage length mid-run. The breaker must open within its configured failures
 * (observed on /metrics, and bounded by the calls the mock saw during the outage), nothing may be lost (each request
 * answered or dead-lettered), and after recovery {@code sluice dlq replay} must complete every dead-lettered request
 * with no duplicate result or cost, also when the replay is run a second time.
 */
final class ProviderOutageScenario {
    private static final Pattern BREAKER_OPEN = Pattern.compile("sluice_generation_breaker_state\\{[^}]*} 1\\.0");

    private ProviderOutageScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        Scale scale = suite.scale;
        int n = scale.outageRequests();
        var config = suite.pipeline.config;
        int failures = config.intValue("generation.breaker.failures", 5, 1, 1_000);
        int inFlight = config.intValue("generation.max.in.flight", 256, 1, 100_000);
        int halfOpen = config.intValue("generation.breaker.half.open.calls", 3, 1, 1_000);
        long openMs = config.longValue("generation.breaker.open.ms", 30_000, 1, Long.MAX_VALUE);
        Suite.Mark mark = suite.mark();
        Instant start = Instant.now().minusSeconds(1);
        CompletableFuture<Void> sending = suite.workload.sendAsync(n, scale.outageRate(), Workload.users("r3", 50));
        await().atMost(Duration.ofMinutes(5)).until(() -> suite.workload.sent() - mark.sentBefore().size() >= n / 4);

        System.out.printf("R3: provider answers 503 for %d s%n", scale.outage().toSeconds());
        int callsBefore = suite.mock.callCount();
        suite.mock.always(Fault.status(503));
        long t0 = System.nanoTime();
        boolean sawOpen = false;
        while (System.nanoTime() - t0 < scale.outage().toNanos()) {
            String metrics = suite.generation.metrics();
            sawOpen |= metrics != null && BREAKER_OPEN.matcher(metrics).find();
            Thread.sleep(250);
        }
        suite.mock.always(Fault.none());
        long outageCalls = suite.mock.calls().stream().skip(callsBefore)
                .filter(c -> c.fault().kind() == Fault.Kind.STATUS && c.fault().status() == 503).count();
        long callBound = failures + inFlight + halfOpen * (scale.outage().toMillis() / openMs + 1);
        Suite.Observed observed = suite.settle(mark, sending, n);
        Set<String> ids = observed.ids();
        Checker.Snapshot beforeReplay = observed.snapshot();
        long lostBeforeReplay = beforeReplay.lost(ids);
        long deadLettered = ids.stream().filter(beforeReplay.dead::containsKey).count();
        String firstReplay = replay(suite, start, false);
        boolean completed = awaitAllResults(suite, ids);
        String secondReplay = replay(suite, start, true);
        Thread.sleep(5_000); // a second result of a replayed-again letter would land by now

        Checker.Snapshot s = suite.checker.snapshot();
        long secrets = suite.checker.secretsInTopics() + suite.checker.secretsInLogs();
        return new Verdict("R3 provider outage", n, "503 for " + scale.outage().toSeconds() + " s", s, ids, secrets)
                .check("nothing lost before the replay (answered or dead-lettered)", lostBeforeReplay == 0)
                .check("breaker seen OPEN on /metrics", sawOpen)
                .check("503 calls " + outageCalls + " <= failures + in-flight + half-open probes = " + callBound, outageCalls <= callBound)
                .check("every request has a result after the replay", completed && s.withResult(ids) == ids.size())
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                .note(String.format("%d dead-lettered %s; replay: %s; again: %s; %d calls got 503",
                        deadLettered, RedisOutageScenario.deadClasses(beforeReplay, ids), firstReplay, secondReplay, outageCalls));
    }

    /** {@code sluice dlq replay --stage generation --from <start>} (with {@code --again}: ignoring the replay ledger). */
    static String replay(Suite suite, Instant from, boolean again) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new DlqCommand(suite.pipeline.config, Clock.systemUTC()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        String[] args = again ? new String[] {"replay", "--stage", "generation", "--from", from.toString(), "--again"}
                : new String[] {"replay", "--stage", "generation", "--from", from.toString()};
        int exit = cli.execute(args);
        String text = out.toString().strip();
        System.out.println("dlq replay" + (again ? " --again" : "") + " (exit " + exit + "): " + text.replace('\n', ' '));
        int at = text.indexOf("replay summary:");
        String summary = at < 0 ? text : text.substring(at + "replay summary:".length()).lines().findFirst().orElse("").strip();
        return "exit " + exit + ", " + summary;
    }

    static boolean awaitAllResults(Suite suite, Set<String> ids) {
        try {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> suite.checker.snapshot().withResult(ids) == ids.size());
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }

    static boolean echoedKey(MockLlmServer mock, String apiKey) {
        return mock.calls().stream().anyMatch(c -> c.fault().kind() == Fault.Kind.ECHO_SECRETS
                && (String.valueOf(c.authorization()).contains(apiKey) || String.valueOf(c.apiKeyHeader()).contains(apiKey)));
    }
}
