package dev.sluice.launcher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.sluice.common.CommonKeys;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.embedded.ChildProcess;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.schema.CostEvent;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Analytics restarted as deployed, after a clean stop and after a crash: how long the spend tables stop counting while
 * {@code sluice run analytics} gets back to work. After a crash Kafka Streams wipes exactly-once state that was not
 * closed cleanly and reads its changelogs back first, and analytics keeps every cost event's request id for its
 * deduplication window (7 days by default), so that restore grows with a week of traffic.
 *
 * <p>Per ending ({@code -Dbench.deployed.analytics.endings}, default {@code stop;crash}), on topics of its own: {@code
 * bench.deployed.analytics.costs} cost events (default 1,000,000 over 10,000 users, each a new request id) are counted by
 * {@code sluice run analytics} from a cold start, which is then stopped (SIGTERM) or killed (SIGKILL) once its group
 * committed them all; {@code bench.deployed.restart.after} more (default 20,000) are written and the stage is started again
 * on the same state directory. Prints each run's time from launch to having committed every cost event, the records in
 * its changelogs when it restarts, and what the restarted stage logged of its restores. Asserts nothing.
 * Run: {@code ./mvnw -Pbench -o -pl launcher -am verify -Dit.test=DeployedAnalyticsRestartBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class DeployedAnalyticsRestartBenchmark {
    private static final int COSTS = Integer.getInteger("bench.deployed.analytics.costs", 1_000_000);
    private static final int AFTER = Integer.getInteger("bench.deployed.restart.after", 20_000);
    private static final int USERS = Integer.getInteger("bench.deployed.users", 10_000);
    private static final List<String> ENDINGS = List.of(System.getProperty("bench.deployed.analytics.endings", "stop;crash").split(";"));

    @Test
    void benchmark(SchemaRegistryServer registry, @TempDir Path tmp) throws Exception {
        Path work = Drains.workDir();
        List<String> lines = new ArrayList<>();
        try (ChildProcess broker = BrokerProcess.start(work, tmp, List.of())) {
            String bootstrap = BrokerProcess.awaitBootstrap(broker, work);
            for (String ending : ENDINGS) {
                String prefix = SluiceInfra.uniquePrefix("analytics-restart");
                TopicCatalog catalog = Drains.catalog(bootstrap, registry.url(), prefix);
                try (Admin admin = Drains.admin(bootstrap)) {
                    Topics.createAll(admin, catalog, (short) 1);
                }
                String tag = "analytics-restart-" + ending;
                String group = prefix + "sluice-analytics"; // the default application id after the topic prefix
                List<String> command = command(StageVariant.parse("default"), tmp.resolve(tag), bootstrap, registry.url(), prefix);
                fill(bootstrap, catalog, COSTS);
                double first = run(command, work.resolve(tag + "-before.log"), work, bootstrap, group, catalog, ending.equals("crash"));
                long endedAt = System.nanoTime();
                fill(bootstrap, catalog, AFTER);
                long changelogs = DeployedRestartBenchmark.changelogRecords(bootstrap, group);
                double restartedIn = (System.nanoTime() - endedAt) / 1e9;
                Path restartLog = work.resolve(tag + "-restart.log");
                double again = run(command, restartLog, work, bootstrap, group, catalog, false);
                lines.add(String.format("%-6s %,d cost events counted in %.1f s from launch (%,.0f a second); restarted %.1f s after the %s"
                                + " with %,d records in its changelogs: %,d more counted %.1f s after the restart's launch%n       logged: %s",
                        ending, COSTS, first, COSTS / first, restartedIn, ending, changelogs, AFTER, again, Drains.restoresLogged(restartLog)));
            }
        }
        System.out.printf("%n=== DeployedAnalyticsRestartBenchmark: %,d cost events before the stop or crash, %,d after it, %,d users,"
                + " 6 partitions; the stage its own JVM, the broker its own JVM; load %s ===%n", COSTS, AFTER, USERS, Drains.load());
        lines.forEach(System.out::println);
    }

    /** {@code sluice run analytics} as {@code variant} says, with the addresses, the topic prefix and the state directory. */
    static List<String> command(StageVariant variant, Path stateDir, String bootstrap, String registryUrl, String prefix) {
        List<String> command = variant.command("analytics");
        command.addAll(Drains.addressArgs(bootstrap, registryUrl, prefix));
        command.addAll(List.of(
                "--set", CommonKeys.STATE_DIR + "=" + stateDir,
                "--set", CommonKeys.HTTP_PORT + "=0"));
        return command;
    }

    /**
     * Launches {@code command} and waits until {@code group} has committed every cost event written so far; then stops it,
     * with SIGKILL when {@code crash}. Returns the seconds from launch to that commit.
     */
    private static double run(List<String> command, Path log, Path work, String bootstrap, String group, TopicCatalog catalog,
                              boolean crash) throws Exception {
        Files.deleteIfExists(log);
        try (Admin admin = Drains.admin(bootstrap)) {
            Map<TopicPartition, Long> end = endOffsets(admin, catalog.costs().name());
            long t0 = System.nanoTime();
            ChildProcess stage = ChildProcess.start("analytics", command, work, log);
            try {
                awaitCommitted(admin, group, end, Duration.ofMinutes(20), stage);
                return (System.nanoTime() - t0) / 1e9;
            } finally {
                if (crash) {
                    stage.kill();
                } else {
                    stage.close();
                }
            }
        }
    }

    /**
     * Waits until {@code group} has committed {@code end} on every partition, while every one of {@code running} lives;
     * fails with the log tail of one that stopped, or after {@code limit}.
     */
    static void awaitCommitted(Admin admin, String group, Map<TopicPartition, Long> end, Duration limit, ChildProcess... running)
            throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!committed(admin, group, end)) {
            for (ChildProcess p : running) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("analytics stopped before its group committed every cost event:\n" + p.logTail());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cost events not all committed within " + limit.toMinutes() + " minutes");
            }
            Thread.sleep(50);
        }
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Set<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
        return admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get()
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** Whether {@code group} has committed at least {@code end} on every partition (a transaction's marker may add one). */
    static boolean committed(Admin admin, String group, Map<TopicPartition, Long> end) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return end.entrySet().stream().allMatch(e -> offsets.get(e.getKey()) != null && offsets.get(e.getKey()).offset() >= e.getValue());
    }

    /** Writes {@code costs} CHARGED cost events, each for a new request id, over {@link #USERS} users, as generation would. */
    static void fill(String bootstrap, TopicCatalog catalog, int costs) {
        Map<String, Object> p = Drains.backlogProducer(bootstrap);
        try (KafkaProducer<String, CostEvent> producer = new KafkaProducer<>(p, catalog.costs().keySerde().serializer(),
                catalog.costs().valueSerde().serializer())) {
            for (int n = 0; n < costs; n++) {
                String user = "user-" + (n % USERS);
                producer.send(new ProducerRecord<>(catalog.costs().name(), user, CostEvent.newBuilder().setRequestId(UUID.randomUUID().toString())
                        .setUserId(user).setModel("gpt-4o-mini").setProvider("simulated").setInputTokens(100).setOutputTokens(50)
                        .setCostMicros(45).setReservedMicros(60).setOccurredAt(Instant.now()).build()));
            }
        }
    }
}
