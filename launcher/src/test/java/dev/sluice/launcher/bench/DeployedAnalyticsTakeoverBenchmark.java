package dev.sluice.launcher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.contracts.TopicCatalog;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.testkit.ProcessCpu;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two analytics instances as deployed, with and without standby copies of each other's tasks: what the copies cost while
 * counting, and how long the spend tables stop counting when one instance dies and does not come back. The take-over
 * counterpart of {@link DeployedAnalyticsRestartBenchmark} (a restart on the same host) and of {@link
 * DeployedTakeoverBenchmark} (admission).
 *
 * <p>Per variant ({@code -Dbench.deployed.analytics.takeover.variants}, {@code ;} between them, as {@link StageVariant};
 * default {@code kafka.num.standby.replicas=0;kafka.num.standby.replicas=1}, run {@code
 * -Dbench.deployed.takeover.rounds} times (2), alternating), on topics of its own: two {@code sluice run analytics}
 * processes, A and B, share one application id, each with its own state directory (so its own instance id) and a 6 s
 * session timeout. Once both run tasks, {@code bench.deployed.analytics.costs} cost events (1,000,000 over {@code
 * bench.deployed.users}, 10,000) are written and both count them: the time until their group has committed every one,
 * and the CPU per cost event of A, B and the broker. Then A is killed (SIGKILL) and never started again, and {@code
 * bench.deployed.restart.after} (20,000) more are written at once: seconds from the kill until the group has committed
 * them (B has taken over A's tasks and counted what A would have), and what B logged of its restores. Asserts nothing.
 * Run: {@code ./mvnw -Pbench -o -pl launcher -am verify -Dit.test=DeployedAnalyticsTakeoverBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class DeployedAnalyticsTakeoverBenchmark {
    private static final int COSTS = Integer.getInteger("bench.deployed.analytics.costs", 1_000_000);
    private static final int AFTER = Integer.getInteger("bench.deployed.restart.after", 20_000);
    private static final int ROUNDS = Integer.getInteger("bench.deployed.takeover.rounds", 2);
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.deployed.analytics.takeover.variants",
            "kafka.num.standby.replicas=0;kafka.num.standby.replicas=1").split(";"));
    private static final Duration LIMIT = Duration.ofMinutes(10);

    @Test
    void benchmark(SchemaRegistryServer registry, @TempDir Path tmp) throws Exception {
        Path work = Drains.workDir();
        List<String> results = new ArrayList<>();
        try (ChildProcess broker = BrokerProcess.start(work, tmp, List.of())) {
            String bootstrap = BrokerProcess.awaitBootstrap(broker, work);
            for (int round = 0; round < ROUNDS; round++) {
                for (int v = 0; v < VARIANTS.size(); v++) {
                    int index = round % 2 == 0 ? v : VARIANTS.size() - 1 - v; // alternate the order between rounds
                    results.add(run(round, index, bootstrap, registry.url(), broker.pid(), tmp, work));
                }
            }
        }
        System.out.printf("%n=== DeployedAnalyticsTakeoverBenchmark: two `sluice run analytics` processes count %,d cost events"
                + " (6 partitions), then one is killed for good and %,d more are written; the broker its own JVM; load %s ===%n",
                COSTS, AFTER, Drains.load());
        results.forEach(System.out::println);
    }

    private static String run(int round, int v, String bootstrap, String registryUrl, long brokerPid, Path tmp, Path work)
            throws Exception {
        String variant = VARIANTS.get(v);
        String prefix = SluiceInfra.uniquePrefix("analytics-takeover");
        TopicCatalog catalog = Drains.catalog(bootstrap, registryUrl, prefix);
        try (Admin admin = Drains.admin(bootstrap)) {
            Topics.createAll(admin, catalog, (short) 1);
        }
        String tag = "analytics-takeover-" + round + "-" + v;
        String group = prefix + "sluice-analytics"; // the default application id after the topic prefix
        StageVariant stage = StageVariant.parse(variant);
        Path logA = work.resolve(tag + "-a.log");
        Path logB = work.resolve(tag + "-b.log");
        Files.deleteIfExists(logA); // a child process appends
        Files.deleteIfExists(logB);
        try (Admin admin = Drains.admin(bootstrap);
             ChildProcess a = ChildProcess.start("analytics A", instance(stage, tmp.resolve(tag + "-a"), bootstrap, registryUrl, prefix),
                     work, logA);
             ChildProcess b = ChildProcess.start("analytics B", instance(stage, tmp.resolve(tag + "-b"), bootstrap, registryUrl, prefix),
                     work, logB)) {
            DeployedTakeoverBenchmark.awaitBothRunningTasks(admin, group, a, b);
            long cpuA = ProcessCpu.micros(a.pid());
            long cpuB = ProcessCpu.micros(b.pid());
            long cpuBroker = ProcessCpu.micros(brokerPid);
            long t0 = System.nanoTime();
            DeployedAnalyticsRestartBenchmark.fill(bootstrap, catalog, COSTS);
            awaitCommitted(admin, group, catalog, a, b);
            double count = (System.nanoTime() - t0) / 1e9;
            double perA = (double) (ProcessCpu.micros(a.pid()) - cpuA) / COSTS;
            double perB = (double) (ProcessCpu.micros(b.pid()) - cpuB) / COSTS;
            double perBroker = (double) (ProcessCpu.micros(brokerPid) - cpuBroker) / COSTS;

            a.kill();
            long killed = System.nanoTime();
            DeployedAnalyticsRestartBenchmark.fill(bootstrap, catalog, AFTER);
            awaitCommitted(admin, group, catalog, b);
            double takeover = (System.nanoTime() - killed) / 1e9;
            return String.format("round %d %-32s counted in %6.1f s = %,8.0f cost events/s (written while counting), CPU per cost event µs:"
                            + " A %.1f + B %.1f + broker %.1f = %.1f%n    %-32s after A's kill: the %,d more committed %.1f s later; B logged: %s",
                    round, variant, count, COSTS / count, perA, perB, perBroker, perA + perB + perBroker, "", AFTER, takeover,
                    Drains.restoresLogged(logB));
        }
    }

    /**
     * {@code sluice run analytics} at {@code stage}'s settings, with a short session so that a kill is noticed in seconds
     * and its dashboard on a free port.
     */
    private static List<String> instance(StageVariant stage, Path stateDir, String bootstrap, String registryUrl, String prefix) {
        List<String> command = DeployedAnalyticsRestartBenchmark.command(stage, stateDir, bootstrap, registryUrl, prefix);
        command.addAll(stage.setArguments());
        command.addAll(List.of("--set", "kafka.session.timeout.ms=6000", "--set", "kafka.heartbeat.interval.ms=1500",
                "--set", "dashboard.port=0")); // two dashboards on one host: each on a port of its own
        return command;
    }

    /** Waits until {@code group} has committed every cost event written so far, while every one of {@code running} lives. */
    private static void awaitCommitted(Admin admin, String group, TopicCatalog catalog, ChildProcess... running) throws Exception {
        DeployedAnalyticsRestartBenchmark.awaitCommitted(admin, group,
                DeployedAnalyticsRestartBenchmark.endOffsets(admin, catalog.costs().name()), LIMIT, running);
    }
}
