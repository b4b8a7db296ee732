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
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two admission instances as deployed, with and without standby copies of each other's tasks: what the copies cost a
 * drain, and what a take-over costs when one instance dies and does not come back.
 *
 * <p>Per variant ({@code -Dbench.deployed.takeover.variants}, {@code ;} between them, as {@link StageVariant}; default
 * {@code kafka.num.standby.replicas=0;kafka.num.standby.replicas=1}, run {@code -Dbench.deployed.takeover.rounds} times
 * (2), alternating), on topics of its own: two {@code sluice run ingest} processes, A and B, share one application id,
 * each with its own state directory (so its own instance id), a 6 s session timeout (unless the variant sets
 * {@code kafka.session.timeout.ms}, e.g. to the default 45,000). Once both run tasks, {@code
 * bench.deployed.takeover.requests} requests (1,000,000 over {@code bench.deployed.users}, 10,000) are written and both
 * drain them: the drain's rate and the CPU per request of A, B and the broker. Then A is killed (SIGKILL) and never
 * started again, and {@code bench.deployed.restart.after} (20,000) new requests are written at once: seconds from the
 * kill to their first and last outcome, and what B logged of its restores ({@code RestoreProgress}). Asserts nothing.
 * Run: {@code ./mvnw -Pbench -o -pl launcher -am verify -Dit.test=DeployedTakeoverBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class DeployedTakeoverBenchmark {
    private static final int REQUESTS = Integer.getInteger("bench.deployed.takeover.requests", 1_000_000);
    private static final int AFTER = Integer.getInteger("bench.deployed.restart.after", 20_000);
    private static final int USERS = Integer.getInteger("bench.deployed.users", 10_000);
    private static final int ROUNDS = Integer.getInteger("bench.deployed.takeover.rounds", 2);
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.deployed.takeover.variants",
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
                    results.add(run(round, v, bootstrap, registry, broker.pid(), tmp, work));
                }
            }
        }
        System.out.printf("%n=== DeployedTakeoverBenchmark: two `sluice run ingest` processes drain %,d requests of %,d PRO users"
                + " (6 partitions), then one is killed for good and %,d more are written; the broker its own JVM ===%n", REQUESTS,
                USERS, AFTER);
        results.forEach(System.out::println);
    }

    private static String run(int round, int v, String bootstrap, SchemaRegistryServer registry, long brokerPid, Path tmp,
                              Path work) throws Exception {
        String variant = VARIANTS.get(v);
        String prefix = SluiceInfra.uniquePrefix("takeover");
        TopicCatalog catalog = Drains.catalog(bootstrap, registry.url(), prefix);
        try (Admin admin = Drains.admin(bootstrap)) {
            Topics.createAll(admin, catalog, (short) 1);
        }
        DeployedIngestBenchmark.fill(bootstrap, catalog, 0, USERS, true); // the policies first, read at the start
        String tag = "takeover-" + round + "-" + v;
        String applicationId = DeployedIngestBenchmark.applicationId(prefix, tag);
        StageVariant stage = StageVariant.parse(variant);
        for (String instance : List.of("a", "b")) {
            Files.deleteIfExists(log(work, tag, instance)); // a child process appends
        }
        try (KafkaConsumer<byte[], byte[]> observer = Drains.observer(bootstrap, DeployedIngestBenchmark.outcomes(catalog));
             Admin admin = Drains.admin(bootstrap);
             ChildProcess a = ChildProcess.start("ingest A", instance(stage, tag + "-a", applicationId, bootstrap, registry, prefix, tmp, work),
                     work, log(work, tag, "a"));
             ChildProcess b = ChildProcess.start("ingest B", instance(stage, tag + "-b", applicationId, bootstrap, registry, prefix, tmp, work),
                     work, log(work, tag, "b"))) {
            awaitBothRunningTasks(admin, applicationId, a, b);
            long cpuA = ProcessCpu.micros(a.pid());
            long cpuB = ProcessCpu.micros(b.pid());
            long cpuBroker = ProcessCpu.micros(brokerPid);
            long t0 = System.nanoTime();
            DeployedIngestBenchmark.fill(bootstrap, catalog, REQUESTS, USERS, false);
            await(observer, REQUESTS, a, b);
            double drain = (System.nanoTime() - t0) / 1e9;
            double perA = (double) (ProcessCpu.micros(a.pid()) - cpuA) / REQUESTS;
            double perB = (double) (ProcessCpu.micros(b.pid()) - cpuB) / REQUESTS;
            double perBroker = (double) (ProcessCpu.micros(brokerPid) - cpuBroker) / REQUESTS;

            a.kill();
            long killed = System.nanoTime();
            DeployedIngestBenchmark.fill(bootstrap, catalog, AFTER, USERS, false);
            double[] firstLast = await(observer, AFTER, b);
            return String.format("round %d %-32s drain %6.1f s = %,8.0f requests/s (written while draining), CPU per request µs: A %.1f + B %.1f"
                            + " + broker %.1f = %.1f%n    %-32s after A's kill: first outcome %.1f s, last %.1f s; B logged: %s", round, variant,
                    drain, REQUESTS / drain, perA, perB, perBroker, perA + perB + perBroker, "",
                    (firstLast[0] - killed) / 1e9, (firstLast[1] - killed) / 1e9, Drains.restoresLogged(log(work, tag, "b")));
        }
    }

    /** Where instance {@code instance} ("a" or "b") of the run {@code tag} logs. */
    private static Path log(Path work, String tag, String instance) {
        return work.resolve("ingest-" + tag + "-" + instance + ".log");
    }

    /** {@code sluice run ingest} as instance {@code tag} of the application {@code applicationId}. */
    private static List<String> instance(StageVariant stage, String tag, String applicationId, String bootstrap,
                                         SchemaRegistryServer registry, String prefix, Path tmp, Path work) {
        List<String> command = DeployedIngestBenchmark.ingestCommand(tag, applicationId, stage, bootstrap, registry.url(), prefix, tmp,
                work, false);
        if (stage.settings().stream().noneMatch(s -> s.startsWith("kafka.session.timeout.ms="))) {
            // unless the variant names its own (e.g. the default 45 s): a short session, so the kill is noticed in seconds
            command.addAll(List.of("--set", "kafka.session.timeout.ms=6000", "--set", "kafka.heartbeat.interval.ms=1500"));
        }
        return command;
    }

    static void awaitBothRunningTasks(Admin admin, String group, ChildProcess a, ChildProcess b) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (!a.isAlive() || !b.isAlive()) {
                throw new IllegalStateException("an instance stopped before the drain:\n" + a.logTail() + "\n" + b.logTail());
            }
            try {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                if (d.members().size() == 2 && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                    return;
                }
            } catch (Exception notYet) {
                // the group exists once the first member joins
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the two instances did not both get tasks within two minutes");
    }

    /** Reads {@code records} more outcomes; the nano times of the first and the last. */
    private static double[] await(KafkaConsumer<byte[], byte[]> observer, int records, ChildProcess... running) {
        long seen = 0;
        long first = 0;
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (seen < records) {
            for (ChildProcess p : running) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("an instance stopped after " + seen + " of " + records + " outcomes:\n" + p.logTail());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(seen + " of " + records + " outcomes within " + LIMIT.toMinutes() + " minutes");
            }
            int n = observer.poll(Duration.ofMillis(20)).count();
            if (n > 0 && seen == 0) {
                first = System.nanoTime();
            }
            seen += n;
        }
        return new double[] {first, System.nanoTime()};
    }
}
