package dev.sluice.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.loop.LoopClients;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.OpenTransactions;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.Signals;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The honest crash test: the stage runs in a child JVM that is killed (SIGKILL, no shutdown hook, no final
 * commit) in the middle of a run, then a new child takes over: with the same instance id, or with another one while
 * the dead owner's transaction is still open.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class GenerationCrashIT {
    static final int REQUESTS = 2000;
    static final int IN_FLIGHT = 200;

    @Test
    void shouldKeepExactlyOneResultAndCostPerRequestAndNotRepayCompletedCallsWhenKilledMidRun(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        Fixture f = new Fixture(kafka, registry, redis, "gen-crash", 6);
        String group = f.prefix + "generation";
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader costs = f.costs()) {
            mock.latency(Duration.ofMillis(200));
            sendQuestions(f, REQUESTS, 40);
            Path props = stageProperties(f, "crash", Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.max.in.flight", Integer.toString(IN_FLIGHT), "generation.instance.id", "crash-1",
                    "generation.cache.enabled", "false"));

            Process first = child(props, "first");
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> results.distinct() >= 600);
            first.destroyForcibly().waitFor();
            int callsAtKill = mock.callCount();
            int resultsAtKill = results.distinct();

            Process second = child(props, "second");
            try {
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                        .until(() -> results.distinct() == REQUESTS && costs.distinct() == REQUESTS
                                && Offsets.committed(f, group) == REQUESTS); // every input consumed: nothing left for it to do
            } finally {
                second.destroyForcibly().waitFor();
            }
            assertOneResultAndCostEach(results, costs, REQUESTS);
            assertThat(resultsAtKill).as("killed mid-run").isLessThan(REQUESTS);
            assertThat(callsAtKill).isLessThan(REQUESTS);
            assertThat(mock.callCount()).as("completed calls are not paid twice").isLessThanOrEqualTo(REQUESTS + IN_FLIGHT);
            System.out.printf("crash test: %d results committed and %d calls made at the kill; %d calls in total for %d requests%n",
                    resultsAtKill, callsAtKill, mock.callCount(), REQUESTS);
        }
    }

    /**
     * Answers published ahead of a slower call (the default) when the owner is killed: they are committed with their
     * ledger records while the consumed offset still waits at the slow request, so the next owner reads them all again.
     * It must find each answered in the ledger (no call, no second result or cost) and redo only the abandoned call.
     */
    @Test
    void shouldNeitherCallNorPublishAgainTheAnswersPublishedAheadOfASlowCallWhenKilled(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        int fast = 200;
        Fixture f = new Fixture(kafka, registry, redis, "gen-crash-ahead", 1); // one partition: every request queues behind the first
        String group = f.prefix + "generation";
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader costs = f.costs()) {
            mock.enqueue(Fault.slow(Duration.ofMinutes(3))); // the first call the mock receives outlives its owner
            String slowId = UUID.randomUUID().toString();
            List<String> fastIds = new ArrayList<>();
            Path props = stageProperties(f, "crash-ahead", Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.instance.id", "crash-ahead-1", "generation.cache.enabled", "false", "kafka.session.timeout.ms", "6000"));

            Process first = child(props, "first");
            try (var producer = f.producer()) {
                // the slow request alone first, and the rest only once it is being called: with calls in flight
                // together, which one reaches the mock first (and is slowed) would be a race
                send(f, producer, slowId, "alice", "write a long essay " + slowId);
                producer.flush();
                await().atMost(Duration.ofSeconds(120)).until(() -> mock.callCount() == 1);
                assertThat(mock.calls().get(0).body()).as("the slowed call is the slow request's").contains(slowId);
                for (int i = 0; i < fast; i++) {
                    String id = UUID.randomUUID().toString();
                    fastIds.add(id);
                    send(f, producer, id, "user-" + (i % 20), "a short question " + id);
                }
                producer.flush();

                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                        .until(() -> fastIds.stream().allMatch(id -> results.count(id) == 1 && costs.count(id) == 1));
                assertThat(results.count(slowId)).as("the slow call is still running").isZero();
                assertThat(Offsets.committed(f, group)).as("the consumed offset waits at the slow request").isZero();
            } finally {
                first.destroyForcibly().waitFor(); // SIGKILL: no drain, no last commit
            }

            Process second = child(props, "second");
            try {
                await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(100))
                        .until(() -> results.count(slowId) == 1 && Offsets.committed(f, group) == fast + 1);
            } finally {
                second.destroyForcibly().waitFor();
            }
            assertOneResultAndCostEach(results, costs, fast + 1);
            List<MockLlmServer.Call> calls = mock.calls();
            for (String id : fastIds) {
                assertThat(calls.stream().filter(c -> c.body().contains(id)).count())
                        .as("the next owner read %s again and found it answered in the ledger", id).isEqualTo(1);
            }
            assertThat(calls.stream().filter(c -> c.body().contains(slowId)).count())
                    .as("the abandoned call is redone by the next owner").isEqualTo(2);
        }
    }

    /**
     * A zombie: the owner stalls (SIGSTOP) with calls in flight for longer than its session timeout, so its partition
     * moves to another instance, which answers every request; then the stalled owner wakes (SIGCONT) with its calls'
     * answers in hand and goes on as if nothing happened. Nothing it publishes may become visible: its transaction names
     * offsets of a group generation that is gone, so the broker refuses it, or its consumer finds the partition lost
     * first and drops the work (or, had it stalled inside a transaction the broker has since timed out, its producer is
     * fenced and its loop stops). Exactly one result and one cost per request. And it starts no new call with the slots its
     * answers free: its loop notices the stall and asks the broker first (an offsets-only transaction, refused).
     */
    @Test
    void shouldNeverPublishWhatAStalledOwnerFinishesAfterItsPartitionMoved(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        int requests = 60;
        int inFlight = 20;
        Fixture f = new Fixture(kafka, registry, redis, "gen-zombie", 1);
        String group = f.prefix + "generation";
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader costs = f.costs()) {
            mock.latency(Duration.ofSeconds(3)); // answered while the owner is stopped: waiting in its sockets when it wakes
            sendQuestions(f, requests, 10);
            Map<String, String> settings = Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.max.in.flight", Integer.toString(inFlight), "generation.cache.enabled", "false",
                    "kafka.session.timeout.ms", "6000");
            Path zombieProps = stageProperties(f, "zombie-a", with(settings, "generation.instance.id", "zombie-a"));
            Path nextProps = stageProperties(f, "zombie-b", with(settings, "generation.instance.id", "zombie-b"));
            Process zombie = child(zombieProps, "a");
            Process next = null;
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> mock.callCount() >= inFlight);
                Signals.send(zombie, "STOP");
                next = child(nextProps, "b");
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                        .until(() -> results.distinct() == requests && costs.distinct() == requests && Offsets.committed(f, group) == requests);
                assertThat(results.total()).as("the next owner answered each request once").isEqualTo(requests);

                Signals.send(zombie, "CONT");
                Path zombieLog = zombieProps.getParent().resolve("a.log");
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    String log = Files.readString(zombieLog);
                    return log.contains("lost to another member") || log.contains("aborted") || log.contains("moved on without this member")
                            || log.contains("loop stopped");
                });
                String log = Files.readString(zombieLog);
                System.out.printf("zombie test: the woken owner %s; %d calls for %d requests%n",
                        log.contains("moved on without this member") ? "noticed its stall and was told by the broker it no longer owns the partition"
                                : log.contains("aborted") ? "tried to commit and was refused (transaction aborted)"
                                : log.contains("loop stopped") ? "was fenced and stopped"
                                : "found its partition lost", mock.callCount(), requests);
            } finally {
                zombie.destroyForcibly().waitFor();
                if (next != null) {
                    next.destroyForcibly().waitFor();
                }
            }
            assertOneResultAndCostEach(results, costs, requests);
            // paid twice, bounded: the calls in flight at the stall (the next owner redoes them); the woken owner starts
            // none in the slots its answers free (before the stall check it started up to its in-flight bound: 83-93 calls)
            assertThat(mock.callCount()).as("only the calls in flight at the stall are made twice").isLessThanOrEqualTo(requests + inFlight);
        }
    }

    /**
     * The owner dies inside an open transaction that already holds answers (frozen with SIGSTOP while the broker
     * reports its transaction open and the results topic has records beyond its last stable offset, then SIGKILL), and
     * the instance that takes over has another {@code generation.instance.id}, as a rescheduled pod's new host name
     * gives it. Nothing fences the dead transaction: the broker aborts it when the producer's transaction timeout
     * (10 s) runs out, and until then the successor's ledger load waits at the last stable offset. Every request still
     * gets exactly one result and one cost event, and the answers that were in the aborted transaction are not paid for
     * again: each was written to {@code gen:done} before it entered the transaction, and the successor publishes it
     * from there.
     */
    @Test
    void shouldAnswerOnceAndNotRepayWhenAnOwnerDiesInsideItsTransactionAndAnotherIdTakesOver(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        int requests = 1_000;
        int inFlight = 50;
        Fixture f = new Fixture(kafka, registry, redis, "gen-takeover", 6);
        String group = f.prefix + "generation";
        try (MockLlmServer mock = MockLlmServer.start(); TopicReader results = f.results(); TopicReader costs = f.costs();
             TopicReader written = f.results(false); Admin admin = kafka.admin()) {
            mock.latency(Duration.ofMillis(100));
            sendQuestions(f, requests, 40);
            Map<String, String> settings = Map.of("provider", "openai", "provider.base.url", mock.openAiBaseUrl(),
                    "generation.max.in.flight", Integer.toString(inFlight), "generation.cache.enabled", "false",
                    "kafka.session.timeout.ms", "6000");
            Path deadProps = stageProperties(f, "takeover-a", with(settings, "generation.instance.id", "takeover-a"));
            Path nextProps = stageProperties(f, "takeover-b", with(settings, "generation.instance.id", "takeover-b"));
            String deadId = group + "-takeover-a";
            Process dying = child(deadProps, "a");
            Process next = null;
            int freezes;
            int callsAtKill;
            double abortedAfter;
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> results.distinct() >= requests / 5);
                freezes = freezeWithAnswersInOpenTransaction(admin, dying, deadId, f.catalog.results().name());
                assertThat(OpenTransactions.describe(admin, deadId).transactionTimeoutMs()).as("the open transaction's timeout")
                        .isEqualTo(LoopClients.DEFAULT_TRANSACTION_TIMEOUT_MS);
                dying.destroyForcibly().waitFor();
                long killedAt = System.nanoTime();
                callsAtKill = mock.callCount();
                next = child(nextProps, "b");
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                        .until(() -> OpenTransactions.describe(admin, deadId).state() != TransactionState.ONGOING);
                abortedAfter = (System.nanoTime() - killedAt) / 1e9;
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                        .until(() -> results.distinct() == requests && costs.distinct() == requests && Offsets.committed(f, group) == requests);
            } finally {
                dying.destroyForcibly().waitFor();
                if (next != null) {
                    next.destroyForcibly().waitFor();
                }
            }
            assertOneResultAndCostEach(results, costs, requests);
            written.awaitEverythingCommitted(Duration.ofSeconds(60));
            List<String> inAbortedTransactions = written.ids().stream().filter(id -> written.count(id) > results.count(id)).toList();
            List<MockLlmServer.Call> calls = mock.calls();
            long calledTwice = calls.stream().map(c -> c.body()).collect(java.util.stream.Collectors.groupingBy(b -> b, java.util.stream.Collectors.counting()))
                    .values().stream().filter(n -> n > 1).count();
            System.out.printf("takeover test: killed inside a transaction (after %d freeze(s)) holding %d answers; aborted by the broker %.1f s "
                    + "after the kill; %d calls at the kill, %d in total for %d requests (%d called twice)%n",
                    freezes, inAbortedTransactions.size(), abortedAfter, callsAtKill, calls.size(), requests, calledTwice);

            assertThat(OpenTransactions.describe(admin, deadId).state()).as("the dead owner's transaction was aborted, never committed")
                    .isEqualTo(TransactionState.COMPLETE_ABORT);
            assertThat(inAbortedTransactions).as("answers written into the transaction the kill left open").isNotEmpty();
            for (String id : inAbortedTransactions) {
                assertThat(calls.stream().filter(c -> c.body().contains(id)).count())
                        .as("%s was answered in the aborted transaction: published again from gen:done, not paid again", id).isEqualTo(1);
            }
            assertThat(calls.size()).as("only the calls in flight at the kill are made twice").isLessThanOrEqualTo(requests + inFlight);
        }
    }

    /**
     * Freezes {@code stage} (SIGSTOP) at a moment its transaction is open with answers in it: the broker reports it
     * ongoing and {@code results} has records beyond its last stable offset. A freeze that misses is thawed and tried
     * again; returns the number of freezes.
     */
    private static int freezeWithAnswersInOpenTransaction(Admin admin, Process stage, String transactionalId, String results) throws Exception {
        for (int freezes = 1; freezes <= 50; freezes++) {
            OpenTransactions.awaitOngoing(admin, transactionalId, TimeUnit.MINUTES.toMillis(1));
            Signals.send(stage, "STOP");
            Thread.sleep(200); // what it sent before the freeze has reached the broker
            if (OpenTransactions.ongoing(admin, transactionalId) && OpenTransactions.uncommittedRecords(admin, results) > 0) {
                return freezes;
            }
            Signals.send(stage, "CONT");
        }
        throw new AssertionError("never frozen inside a transaction holding answers in 50 freezes");
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(key, value);
        return all;
    }

    /**
     * Once the writers are gone: reads everything they committed (a late duplicate included, without sleeping for a
     * guessed while), then asserts one result and one cost event per request, no more.
     */
    private static void assertOneResultAndCostEach(TopicReader results, TopicReader costs, int requests) throws Exception {
        results.awaitEverythingCommitted(Duration.ofSeconds(60));
        costs.awaitEverythingCommitted(Duration.ofSeconds(60));
        assertThat(results.duplicates()).as("requests with more than one result").isEmpty();
        assertThat(costs.duplicates()).as("requests with more than one cost event").isEmpty();
        assertThat(results.total()).as("one result per request").isEqualTo(requests);
        assertThat(costs.total()).as("one cost event per request").isEqualTo(requests);
    }

    /** Sends {@code n} requests of {@code users} users, each asking a question of its own (a fresh request id). */
    private static void sendQuestions(Fixture f, int n, int users) {
        try (var producer = f.producer()) {
            for (int i = 0; i < n; i++) {
                String id = UUID.randomUUID().toString();
                send(f, producer, id, "user-" + (i % users), "question " + id);
            }
        }
    }

    private static void send(Fixture f, KafkaProducer<byte[], byte[]> producer, String id, String user,
                             String prompt) {
        producer.send(new ProducerRecord<>(f.catalog.enriched().name(), user.getBytes(StandardCharsets.UTF_8),
                f.encode(Requests.enriched(id, user, "gpt-4o-mini", prompt))));
    }

    /** The stage's settings (this broker, registry, Redis and prefix, plus {@code settings}) as a properties file for the child. */
    private static Path stageProperties(Fixture f, String dir, Map<String, String> settings) throws IOException {
        Path props = SluiceInfra.workDir(dir).resolve("stage.properties");
        Properties p = new Properties();
        p.putAll(f.config(settings));
        try (Writer w = Files.newBufferedWriter(props)) {
            p.store(w, "crash test stage");
        }
        return props;
    }

    private static Process child(Path props, String name) throws IOException {
        Path log = props.getParent().resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.sluice",
                "-cp", System.getProperty("java.class.path"), StageMain.class.getName(), props.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OPENAI_API_KEY", "sk-crash-test-key-0123456789");
        return pb.start();
    }
}
