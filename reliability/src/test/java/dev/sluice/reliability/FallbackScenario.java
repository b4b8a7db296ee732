package dev.sluice.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;

/**
 * F1, fallback chains at the process level (issue 19): a generation process of its own ({@code sluice run generation})
 * whose main provider (mock 1) serves {@value #MODEL} and whose chain {@code generation.fallback.gpt-4o =
 * gpt-4o-mini@backup} names a second endpoint (mock 2), fed enriched requests directly. First the primary answers 400:
 * no request may fall back. Then it answers every call 503: every request must complete on the backup, results and
 * costs naming the model that answered, with billed calls across both mocks = requests.
 */
final class FallbackScenario {
    static final String MODEL = "gpt-4o";
    static final String FALLBACK_MODEL = "gpt-4o-mini";
    static final int BAD_REQUESTS = 10;

    private FallbackScenario() {}

    static Verdict run(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis, Scale scale) throws InterruptedException {
        int n = scale.outageRequests() / 10;
        try (MockLlmServer primary = MockLlmServer.start().latency(Suite.PROVIDER_LATENCY);
             MockLlmServer backup = MockLlmServer.start().latency(Suite.PROVIDER_LATENCY);
             Pipeline p = new Pipeline("F1-fallback", kafka, registry, redis, primary, Map.of(
                     "generation.endpoints", "backup",
                     "generation.endpoint.backup.provider", "openai",
                     "generation.endpoint.backup.base.url", backup.openAiBaseUrl(),
                     "generation.fallback." + MODEL, FALLBACK_MODEL + "@backup",
                     "generation.retry.initial.backoff.ms", "10",
                     "generation.retry.max.backoff.ms", "20"));
             GenerationAlone generation = GenerationAlone.start(p, MODEL)) {

            // 400 first, while the primary's breaker is closed (an open breaker is itself a reason to fall back).
            primary.always(Fault.status(400));
            List<EnrichedRequest> invalid = new ArrayList<>();
            for (int i = 0; i < BAD_REQUESTS; i++) {
                invalid.add(generation.request("f1-bad-" + i, i));
            }
            generation.send(invalid);
            generation.outcomes().awaitSettled(BAD_REQUESTS, Verdict.QUIET, Duration.ofMinutes(5));

            primary.always(Fault.status(503));
            List<EnrichedRequest> overloaded = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                overloaded.add(generation.request("f1-" + (i % 10), i));
            }
            generation.send(overloaded);
            generation.outcomes().awaitSettled(BAD_REQUESTS + n, Verdict.QUIET, Duration.ofMinutes(5));

            Set<String> ok = overloaded.stream().map(Enriched::id).collect(Collectors.toSet());
            Set<String> bad = invalid.stream().map(Enriched::id).collect(Collectors.toSet());
            Set<String> ids = new java.util.HashSet<>(ok);
            ids.addAll(bad);
            Checker checker = new Checker(p, backup); // snapshot calls = the backup's (billed) calls
            Checker.Snapshot s = checker.snapshot();
            Map<String, Integer> primaryCalls = new HashMap<>();
            Map<Integer, Long> primaryStatuses = new java.util.TreeMap<>();
            for (MockLlmServer.Call c : primary.calls()) {
                String id = Checker.requestIdOf(c);
                if (id != null) {
                    primaryCalls.merge(id, 1, Integer::sum);
                }
                primaryStatuses.merge(c.fault().status(), 1L, Long::sum);
            }
            long billedPrimary = primary.calls().stream().filter(c -> c.fault().status() == 200).count();
            Map<String, GenerationResult> results = new HashMap<>();
            var resultSerde = p.catalog.results().valueSerde().deserializer();
            TopicScan.read(p.kafka, p.catalog.results().name(), true, r -> {
                GenerationResult v = resultSerde.deserialize(r.topic(), r.value());
                results.put(v.getRequestId(), v);
            });
            Map<String, CostEvent> charged = new HashMap<>();
            var costSerde = p.catalog.costs().valueSerde().deserializer();
            TopicScan.read(p.kafka, p.catalog.costs().name(), true, r -> {
                CostEvent v = costSerde.deserialize(r.topic(), r.value());
                if (v.getKind() == CostKind.CHARGED) {
                    charged.put(v.getRequestId(), v);
                }
            });

            long notCompleted = ok.stream().filter(id -> !results.containsKey(id)).count();
            long wrongResultModel = ok.stream().map(results::get).filter(r -> r != null && !(MODEL.equals(r.getModel())
                    && FALLBACK_MODEL.equals(r.getAnsweredModel()) && !r.getChainAttempts().isEmpty()
                    && r.getChainAttempts().get(r.getChainAttempts().size() - 1).startsWith(FALLBACK_MODEL + "@backup answered"))).count();
            long wrongCost = ok.stream().map(charged::get).filter(c -> c == null || !FALLBACK_MODEL.equals(c.getAnsweredModel())
                    || c.getChainAttempts().isEmpty() || c.getCostMicros() > c.getReservedMicros()).count();
            long backupNotOnce = ok.stream().filter(id -> s.calls.getOrDefault(id, 0) != 1).count();
            long backupKeys = backup.calls().stream().map(MockLlmServer.Call::idempotencyKey).distinct().count();
            long primaryNot503 = ok.stream().filter(id -> primaryCalls.getOrDefault(id, 0) > 0).count() == 0 ? -1
                    : primary.calls().stream().filter(c -> ok.contains(Checker.requestIdOf(c)) && c.fault().status() != 503).count();
            long badFellBack = bad.stream().filter(id -> s.calls.getOrDefault(id, 0) > 0).count();
            long badNotInvalid = bad.stream().filter(id -> !"INVALID_REQUEST".equals(s.deadClasses.get(id)) || s.dead.getOrDefault(id, 0) != 1)
                    .count();
            long badNotCalledOnce = bad.stream().filter(id -> primaryCalls.getOrDefault(id, 0) != 1).count();
            long okPrimaryCalls = ok.stream().mapToLong(id -> primaryCalls.getOrDefault(id, 0)).sum();

            return new Verdict("F1 fallback chain", ids.size(), "primary 400 for " + BAD_REQUESTS + ", then 503 for " + n + " requests",
                    s, ids, checker.secretsInTopics() + checker.secretsInLogs())
                    .check("every request completed on the fallback; not: " + notCompleted, notCompleted == 0)
                    .check("results name " + MODEL + " requested, " + FALLBACK_MODEL + " answered, and the chain; off: " + wrongResultModel,
                            wrongResultModel == 0)
                    .check("one CHARGED cost each naming " + FALLBACK_MODEL + ", ≤ its reservation; off: " + wrongCost, wrongCost == 0)
                    .check("every result billed exactly once", s.unbilledOrOrphanCosts(ok) == 0)
                    .check("exactly one backup call per request; off: " + backupNotOnce, backupNotOnce == 0)
                    .check("backup idempotency keys distinct (" + backupKeys + ")", backupKeys == backup.callCount())
                    .check("the primary was really tried, and answered only 503 to them: " + primaryNot503, primaryNot503 == 0)
                    .check("billed calls across both mocks = requests (" + (backup.callCount() + billedPrimary) + " = " + n + ")",
                            backup.callCount() + billedPrimary == n)
                    .check("a 400 never falls back: backup calls for them " + badFellBack, badFellBack == 0)
                    .check("each 400 dead-lettered INVALID_REQUEST once; off: " + badNotInvalid, badNotInvalid == 0)
                    .check("each 400 request called the primary exactly once; off: " + badNotCalledOnce, badNotCalledOnce == 0)
                    .note(String.format("own generation process, two mocks; %d requests: %d primary calls (statuses %s), %d backup calls; "
                                    + "%d × 400: dead-lettered, 0 fallbacks; calls / request = backup calls", n, okPrimaryCalls,
                            primaryStatuses, backup.callCount(), BAD_REQUESTS));
        }
    }
}
