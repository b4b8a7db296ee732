package dev.sluice.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

import dev.sluice.schema.UserPolicy;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The deployment every scenario runs against, one after the other: two ingest processes, one enrichment and one
 * generation process (each {@code sluice run <stage>}), the test kit's broker, registry and Redis, and the mock LLM
 * provider. Scenarios use their own users and request ids, so each one's figures are its own; the secret scan covers
 * everything the deployment ever wrote.
 */
final class Suite implements AutoCloseable {
    /** C2's model: output $10 per million tokens, input free, so a 16-token answer costs exactly its 160 µ$ reservation. */
    static final String FLAT_MODEL = "flat-model";
    /** C2's daily budget per user: exactly 100 answers of 160 µ$. */
    static final long C2_BUDGET_MICROS = 16_000;
    /** The lag adversary's daily budget per user: exactly {@value #LAG_ALLOWED} answers of 160 µ$ of {@link #FLAT_MODEL}. */
    static final long LAG_BUDGET_MICROS = 1_600;
    static final int LAG_ALLOWED = 10;
    /**
     * Priced $10 per million output tokens for admission but $20 for generation: a provider that bills twice the
     * worst case admission reserved (a stale price table), so the lag adversary can produce a real overspend.
     */
    static final String OVERSPEND_MODEL = "overspend-model";
    /** Mock provider latency: keeps a few dozen calls in flight at the suite's rates. */
    static final Duration PROVIDER_LATENCY = Duration.ofMillis(10);

    final Scale scale = Scale.current();
    final long seed = Long.getLong("sluice.reliability.seed", System.nanoTime());
    final Random random = new Random(seed);
    final KafkaBroker kafka;
    final SchemaRegistryServer registry;
    final RedisServer redis;
    final MockLlmServer mock;
    final Pipeline pipeline;
    final StageProcess ingest1;
    final StageProcess ingest2;
    final StageProcess enrichment;
    final StageProcess generation;
    final Workload workload;
    final Checker checker;
    final OutcomeCounter outcomes;
    final List<String> c1Users;
    final List<String> c2Users;
    final List<String> timeUsers;
    final List<String> lagUsers;

    Suite(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) {
        this.kafka = kafka;
        this.registry = registry;
        this.redis = redis;
        this.mock = MockLlmServer.start().latency(PROVIDER_LATENCY);
        Path models = modelsFile();
        this.pipeline = new Pipeline("suite", kafka, registry, redis, mock, Map.of(
                "models.file", models.toString(),
                "generation.breaker.open.ms", "5000",
                // Shorter than the provider outage, so R3 dead-letters waiting requests (BREAKER_OPEN) for the replay.
                "generation.breaker.wait.deadline.ms", Long.toString(scale.outage().toMillis() / 2)));
        this.c1Users = Workload.users("c1", scale.costUsers());
        this.c2Users = Workload.users("c2", scale.costUsers());
        this.timeUsers = Workload.users("adv-time", scale.costUsers() / 2);
        this.lagUsers = Workload.users("adv-lag", scale.costUsers() / 2);
        publishPolicies();
        this.ingest1 = pipeline.stage("ingest", 1);
        this.ingest2 = pipeline.stage("ingest", 2);
        this.enrichment = pipeline.stage("enrichment", 1);
        this.generation = pipeline.stage("generation", 1, Map.of("models.file", generationModelsFile().toString()));
        List<StageProcess> all = List.of(ingest1, ingest2, enrichment, generation);
        all.forEach(StageProcess::start);
        all.forEach(p -> p.awaitReady(Duration.ofSeconds(180)));
        this.workload = new Workload(pipeline);
        this.checker = new Checker(pipeline, mock);
        this.outcomes = new OutcomeCounter(pipeline);
        System.out.printf("reliability suite: scale %s, seed %d, logs in %s%n", scale.name(), seed, pipeline.logDir);
    }

    /** Where a scenario starts: ids already sent and outcome records already seen, so it checks only its own. */
    record Mark(Set<String> sentBefore, long outcomesBefore) {}

    /** What a scenario observed once settled: its request ids, the checker's snapshot and the secret scans. */
    record Observed(Set<String> ids, Checker.Snapshot snapshot, long secretsInTopics, long secretsInLogs) {
        long secrets() {
            return secretsInTopics + secretsInLogs;
        }
    }

    Mark mark() {
        return new Mark(workload.ids(), outcomes.count());
    }

    /**
     * Outcome records since the mark: kill points are placed on this, not on records sent, so a kill always lands
     * while the pipeline is producing (the producer can run far ahead of a pipeline that is restoring state).
     */
    IntSupplier progress(Mark mark) {
        return () -> (int) (outcomes.count() - mark.outcomesBefore());
    }

    /**
     * Waits for {@code sending} (if any) to finish and for {@code expectedOutcomes} outcome records after the mark
     * followed by a quiet spell (a count never reached shows up as lost in the checker), then reads everything.
     */
    Observed settle(Mark mark, CompletableFuture<Void> sending, long expectedOutcomes) throws InterruptedException {
        if (sending != null) {
            sending.join();
        }
        workload.flush();
        outcomes.awaitSettled(mark.outcomesBefore() + expectedOutcomes, Verdict.QUIET, Duration.ofMinutes(10));
        return new Observed(Sets.minus(workload.ids(), mark.sentBefore()), checker.snapshot(), checker.secretsInTopics(),
                checker.secretsInLogs());
    }

    List<StageProcess> stages() {
        return List.of(ingest1, ingest2, enrichment, generation);
    }

    /** True if every stage process is alive with the process id it had in {@code pids} (none died or was restarted). */
    boolean noneRestartedSince(Map<StageProcess, Long> pids) {
        return pids.entrySet().stream().allMatch(e -> e.getKey().alive() && e.getKey().pid() == e.getValue());
    }

    Map<StageProcess, Long> pids() {
        return Map.of(ingest1, ingest1.pid(), ingest2, ingest2.pid(), enrichment, enrichment.pid(), generation, generation.pid());
    }

    /** Policies go in before ingest starts, so its global store holds them from the first request on. */
    private void publishPolicies() {
        var topic = pipeline.catalog.userPolicies();
        try (KafkaProducer<String, UserPolicy> producer = new KafkaProducer<>(pipeline.kafka, topic.keySerde().serializer(),
                topic.valueSerde().serializer())) {
            Instant now = Instant.now();
            for (String u : c1Users) {
                producer.send(new ProducerRecord<>(topic.name(), u, policy(u, "FREE", 10, 10, null, now)));
            }
            for (String u : c2Users) {
                producer.send(new ProducerRecord<>(topic.name(), u, policy(u, "PRO", 1_000_000, 1_000_000, C2_BUDGET_MICROS, now)));
            }
            for (String u : timeUsers) {
                producer.send(new ProducerRecord<>(topic.name(), u, policy(u, "FREE", 10, 10, null, now)));
            }
            for (String u : lagUsers) {
                producer.send(new ProducerRecord<>(topic.name(), u, policy(u, "PRO", 1_000_000, 1_000_000, LAG_BUDGET_MICROS, now)));
            }
            producer.flush();
        }
    }

    private static UserPolicy policy(String user, String tier, int perMinute, int perDay, Long budget, Instant at) {
        return UserPolicy.newBuilder().setUserId(user).setTier(tier).setRequestsPerMinute(perMinute).setRequestsPerDay(perDay)
                .setTokensPerMinute(1_000_000_000L).setDailyBudgetMicros(budget).setUpdatedAt(at).build();
    }

    private static Path modelsFile() {
        return writeModels("models.properties", 10);
    }

    /** Generation's price table: the same, except that {@link #OVERSPEND_MODEL} costs twice what admission reserves. */
    private static Path generationModelsFile() {
        return writeModels("generation-models.properties", 20);
    }

    private static Path writeModels(String name, int overspendOutputUsdPerMillion) {
        try {
            Path dir = Files.createDirectories(SluiceInfra.workDir("reliability"));
            Path file = dir.resolve(name);
            Files.writeString(file, Workload.MODEL + " = 0.15, 0.60\n" + FLAT_MODEL + " = 0, 10\n"
                    + OVERSPEND_MODEL + " = 0, " + overspendOutputUsdPerMillion + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        outcomes.close();
        workload.close();
        pipeline.close();
        mock.close();
    }
}
