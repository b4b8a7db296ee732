package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.tools.dlq.DlqCommand;
import dev.sluice.testkit.llm.Fault;
import picocli.CommandLine;

/**
 * R7: for the outage length the provider reads every request and then drops the connection without answering (it
 * may have run and billed them). None of those calls may be repeated: each such request is dead-lettered
 * OUTCOME_UNKNOWN after exactly one call (later ones wait for the open breaker), and {@code sluice dlq replay}
 * refuses those letters without {@code --accept-repay}.
 */
final class ResetAfterSendScenario {
    private static final Pattern REFUSED = Pattern.compile("(\\d+) refused: the provider may already have run");

    private ResetAfterSendScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        Scale scale = suite.scale;
        int n = scale.outageRequests();
        Suite.Mark mark = suite.mark();
        Instant start = Instant.now().minusSeconds(1);
        CompletableFuture<Void> sending = suite.workload.sendAsync(n, scale.outageRate(), Workload.users("r7", 50));
        await().atMost(Duration.ofMinutes(5)).until(() -> suite.workload.sent() - mark.sentBefore().size() >= n / 4);
        System.out.printf("R7: provider resets every connection after reading the request, for %d s%n", scale.outage().toSeconds());
        int callsBefore = suite.mock.callCount();
        suite.mock.always(Fault.connectionReset());
        long t0 = System.nanoTime();
        await().atMost(scale.outage().plusSeconds(5)).pollDelay(scale.outage()).until(() -> System.nanoTime() - t0 >= scale.outage().toNanos());
        suite.mock.always(Fault.none());
        long resetCalls = suite.mock.calls().stream().skip(callsBefore).filter(c -> c.fault().kind() == Fault.Kind.CONNECTION_RESET).count();
        Suite.Observed observed = suite.settle(mark, sending, n);
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();
        long unknown = ids.stream().filter(id -> "OUTCOME_UNKNOWN".equals(s.deadClasses.get(id))).count();
        long calledTwice = ids.stream().filter(id -> s.calls.getOrDefault(id, 0) > 1).count();
        String replay = dryReplay(suite, start);
        Matcher m = REFUSED.matcher(replay);
        long refused = m.find() ? Long.parseLong(m.group(1)) : 0;
        return new Verdict("R7 reset after send", n, "connection reset after every request for " + scale.outage().toSeconds() + " s",
                s, ids, observed.secrets())
                .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                .check("no request called twice (" + calledTwice + ")", calledTwice == 0)
                .check("reset calls dead-lettered OUTCOME_UNKNOWN: " + unknown + " of " + resetCalls, unknown == resetCalls && unknown > 0)
                .check("dlq replay refuses them without --accept-repay: " + refused, refused == unknown)
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                .note(String.format("%d calls reset after the request was read, %d OUTCOME_UNKNOWN letters %s; replay --dry-run refused %d",
                        resetCalls, unknown, RedisOutageScenario.deadClasses(s, ids), refused));
    }

    /** {@code sluice dlq replay --dry-run --stage generation --from <start>}: what a replay would do. */
    private static String dryReplay(Suite suite, Instant from) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new DlqCommand(suite.pipeline.config, Clock.systemUTC()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        cli.execute("replay", "--dry-run", "--stage", "generation", "--from", from.toString());
        return out.toString();
    }
}
