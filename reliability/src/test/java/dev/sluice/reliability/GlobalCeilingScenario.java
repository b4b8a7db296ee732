package dev.sluice.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import dev.sluice.common.CommonKeys;
import dev.sluice.ingest.ceiling.CeilingConfig;
import dev.sluice.ingest.ceiling.LeaseMessage;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.llm.MockLlmServer;

/**
 * G1, the global spend ceiling at the process level (issue 19): three {@code sluice run ingest} processes share
 * {@value #PARTITIONS} partitions under a $1.00/minute ceiling; enrichment and generation (mock provider) turn what is
 * admitted into real cost events. {@link Scale#ceilingUsers()} users each send one request of {@link Suite#FLAT_MODEL}
 * with {@value #MAX_TOKENS} output tokens (worst case exactly {@value #WORST_MICROS} µ$), all at once; one ingest process
 * is SIGKILLed when 30 % of the admission decisions are visible and restarted.
 *
 * <p>The checker decides from the topics alone (read_committed): admission's decisions, the charged cost events, the
 * lease topics (decoded independently of the stages' stores) and the requests topic.
 */
final class GlobalCeilingScenario {
    static final long CEILING_MICROS = 1_000_000;
    static final int PARTITIONS = 6;
    static final int MAX_TOKENS = 100;
    static final long WORST_MICROS = 1_000;
    private static final long MINUTE_MS = 60_000;

    private GlobalCeilingScenario() {}

    static Verdict run(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis, Scale scale, Random random)
            throws InterruptedException {
        int n = scale.ceilingUsers();
        try (MockLlmServer mock = MockLlmServer.start().latency(Suite.PROVIDER_LATENCY);
             Pipeline p = new Pipeline("G1-ceiling", kafka, registry, redis, mock, Map.of(
                     "models.file", modelsFile().toString(),
                     CommonKeys.TOPIC_PARTITIONS, Integer.toString(PARTITIONS),
                     CeilingConfig.PER_MINUTE_MICROS, Long.toString(CEILING_MICROS)));
             Workload workload = new Workload(p).model(Suite.FLAT_MODEL, MAX_TOKENS);
             OutcomeCounter outcomes = new OutcomeCounter(p);
             OutcomeCounter decisions = new OutcomeCounter(p, List.of(p.catalog.admitted().name(), p.catalog.rejected().name()))) {
            List<StageProcess> ingest = List.of(p.stage("ingest", 1), p.stage("ingest", 2), p.stage("ingest", 3));
            List<StageProcess> all = new ArrayList<>(ingest);
            all.add(p.stage("enrichment", 1));
            all.add(p.stage("generation", 1));
            all.forEach(StageProcess::start);
            all.forEach(s -> s.awaitReady(Duration.ofSeconds(180)));

            List<String> users = Workload.users("g1", n);
            StageProcess victim = ingest.get(random.nextInt(ingest.size()));
            int killAt = n * 3 / 10;
            long[] visibleAtKill = {0};
            long started = System.nanoTime();
            CompletableFuture<Void> burst = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < n; i++) {
                    workload.send(workload.request(users.get(i), i));
                }
                workload.flush();
            });
            Chaos.execute(List.of(new Chaos.Kill(victim, killAt)), () -> {
                int visible = (int) decisions.count();
                visibleAtKill[0] = visible;
                return visible;
            }, random);
            burst.join();
            outcomes.awaitSettled(n, Verdict.QUIET, Duration.ofMinutes(10));
            long wallMs = (System.nanoTime() - started) / 1_000_000;

            Set<String> ids = workload.ids();
            Checker checker = new Checker(p, mock);
            Checker.Snapshot s = checker.snapshot();
            Topics t = Topics.read(p);
            // No key-echoing faults here (R5 and R5b scan for secrets); the row's secrets column is 0 by construction.
            return verdict(p, ids, s, t, 0, victim, visibleAtKill[0], n, wallMs);
        }
    }

    private static Verdict verdict(Pipeline p, Set<String> ids, Checker.Snapshot s, Topics t, long secrets, StageProcess victim,
                                   long visibleAtKill, int n, long wallMs) {
        // Every request decided exactly once: one admission or one rejection, never both, never twice.
        long notOnce = ids.stream().filter(id -> t.admissions.getOrDefault(id, 0) + s.rejected.getOrDefault(id, 0) != 1).count();

        // Worst case admitted per UTC minute of admission, and actual (CHARGED) cost of those requests per that minute.
        Map<Long, Long> reservedPerMinute = new TreeMap<>();
        Map<Long, Long> chargedPerMinute = new TreeMap<>();
        t.admitted.forEach((id, a) -> {
            long minute = Math.floorDiv(a.getAdmittedAt().toEpochMilli(), MINUTE_MS);
            reservedPerMinute.merge(minute, a.getReservedMicros(), Long::sum);
            chargedPerMinute.merge(minute, s.chargedMicros.getOrDefault(id, 0L), Long::sum);
        });
        long maxReserved = reservedPerMinute.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long maxCharged = chargedPerMinute.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long totalCharged = ids.stream().mapToLong(id -> s.chargedMicros.getOrDefault(id, 0L)).sum();
        long chargedNotAdmitted = ids.stream().filter(id -> s.chargedMicros.containsKey(id) && !t.admitted.containsKey(id)).count();
        long worstCaseOff = t.admitted.values().stream().filter(a -> a.getReservedMicros() != WORST_MICROS).count();

        // Rejections: all for the ceiling, each with a retry hint inside the minute.
        List<String> rejectedIds = ids.stream().filter(s.rejected::containsKey).toList();
        long otherReasons = rejectedIds.stream().filter(id -> !"GLOBAL_BUDGET_EXCEEDED".equals(s.rejectReasons.get(id))).count();
        long badRetry = rejectedIds.stream().filter(id -> {
            Long r = s.retryAfterMs.get(id);
            return r == null || r < 0 || r > MINUTE_MS;
        }).count();

        // Leases, from the lease topics: per window, Σ base shares + Σ grants − Σ returns ≤ ceiling, and per partition
        // the worst case admitted ≤ its base share + what was granted to it − what it returned (a task that forgot its
        // lease after the kill, or re-used a base share, exceeds this).
        long base = CEILING_MICROS / 2 / PARTITIONS;
        Map<Long, Long> netGranted = new TreeMap<>();
        Map<String, Long> netGrantedPerTask = new HashMap<>();
        for (LeaseMessage m : t.grants) {
            netGranted.merge(m.windowNumber(), m.amountMicros(), Long::sum);
            netGrantedPerTask.merge(m.windowNumber() + "/" + m.partition(), m.amountMicros(), Long::sum);
        }
        for (LeaseMessage m : t.leaseRequests) {
            if (m.kind() == LeaseMessage.Kind.RETURN) {
                netGranted.merge(m.windowNumber(), -m.amountMicros(), Long::sum);
                netGrantedPerTask.merge(m.windowNumber() + "/" + m.partition(), -m.amountMicros(), Long::sum);
            }
        }
        long leasedOver = netGranted.values().stream().filter(g -> PARTITIONS * base + g > CEILING_MICROS).count();
        Map<String, Long> admittedPerTask = new HashMap<>();
        t.admitted.forEach((id, a) -> admittedPerTask.merge(Math.floorDiv(a.getAdmittedAt().toEpochMilli(), MINUTE_MS) + "/"
                + t.partitionOf.get(id), a.getReservedMicros(), Long::sum));
        long tasksOver = admittedPerTask.entrySet().stream()
                .filter(e -> e.getValue() > base + netGrantedPerTask.getOrDefault(e.getKey(), 0L)).count();

        // Spread: the admission decisions of each partition (its task decides alone; only lease records cross partitions).
        long[] perPartition = new long[PARTITIONS];
        ids.forEach(id -> {
            Integer part = t.partitionOf.get(id);
            if (part != null) {
                perPartition[part]++;
            }
        });
        // Every task holds its base share from the window's start without asking: a burst is never refused below it.
        long baseFloor = java.util.Arrays.stream(perPartition).map(r -> Math.min(r, base / WORST_MICROS)).sum();
        double mean = (double) ids.size() / PARTITIONS;
        long maxPartition = java.util.Arrays.stream(perPartition).max().orElse(0);
        int leaseRecords = t.leaseRequests.size();
        long leaseReqs = t.leaseRequests.stream().filter(m -> m.kind() == LeaseMessage.Kind.REQUEST).count();

        String faults = "kill -9 " + victim.instance() + " at " + visibleAtKill + " of " + n + " decisions visible, restarted";
        System.out.printf("G1 %,d users: admitted %,d (worst case per minute %s µ$, charged per minute %s µ$), rejected %,d, "
                        + "lease records %d (%d requests, %d grants), decisions per partition %s, wall %,d ms%n", n,
                t.admitted.size(), reservedPerMinute.values(), chargedPerMinute.values(), rejectedIds.size(), leaseRecords, leaseReqs,
                t.grants.size(), java.util.Arrays.toString(perPartition), wallMs);
        return new Verdict("G1 global ceiling", ids.size(), faults, s, ids, secrets)
                .check("every request decided exactly once (admitted xor rejected); off: " + notOnce, notOnce == 0)
                .check("worst case admitted ≤ $1.00 in every UTC minute: " + reservedPerMinute.values(), maxReserved <= CEILING_MICROS)
                .check("every admission reserved the flat " + WORST_MICROS + " µ$; off: " + worstCaseOff, worstCaseOff == 0)
                .check("charged cost of those requests ≤ $1.00 per minute of admission: " + chargedPerMinute.values(),
                        maxCharged <= CEILING_MICROS)
                .check("real cost events exist (Σ CHARGED " + totalCharged + " µ$)", totalCharged > 0)
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                .check("nothing charged that was not admitted: " + chargedNotAdmitted, chargedNotAdmitted == 0)
                .check("the ceiling binds: some requests rejected", !rejectedIds.isEmpty())
                .check("the ceiling does not starve: admitted " + t.admitted.size() + " ≥ Σ per partition of min(its requests, "
                        + "base share / worst case) = " + baseFloor, t.admitted.size() >= baseFloor)
                .check("every rejection GLOBAL_BUDGET_EXCEEDED; other: " + otherReasons, otherReasons == 0)
                .check("every rejection has 0 ≤ retryAfterMs ≤ 60 s; off: " + badRetry, badRetry == 0)
                .check("Σ base shares + Σ grants − Σ returns ≤ ceiling in every window; over: " + leasedOver, leasedOver == 0)
                .check("every task admitted ≤ its base share + net grants per window; over: " + tasksOver, tasksOver == 0)
                .check("lease records (" + leaseRecords + ") < requests / 20", leaseRecords < ids.size() / 20)
                .check(String.format("no hot partition: max decisions per partition %d ≤ 2 × mean %.0f", maxPartition, mean),
                        maxPartition <= 2 * mean)
                .note(String.format("%,d users × 1 request of %d µ$ worst case, 3 ingest processes, %d partitions; admitted %,d "
                                + "(worst case per minute %s µ$, charged %s µ$), rejected %,d GLOBAL_BUDGET_EXCEEDED; "
                                + "%d lease records (%d requests, %d grants); decisions per partition %s; burst to settled %,d ms; no secret scan (R5)",
                        n, WORST_MICROS, PARTITIONS, t.admitted.size(), reservedPerMinute.values(), chargedPerMinute.values(),
                        rejectedIds.size(), leaseRecords, leaseReqs, t.grants.size(), java.util.Arrays.toString(perPartition), wallMs));
    }

    /** What the checker reads beyond {@link Checker.Snapshot}: admissions, lease records, and each request's partition. */
    private static final class Topics {
        final Map<String, AdmittedRequest> admitted = new HashMap<>();
        final Map<String, Integer> admissions = new HashMap<>();
        final Map<String, Integer> partitionOf = new HashMap<>();
        final List<LeaseMessage> leaseRequests = new ArrayList<>();
        final List<LeaseMessage> grants = new ArrayList<>();

        static Topics read(Pipeline p) {
            Topics t = new Topics();
            var admitted = p.catalog.admitted().valueSerde().deserializer();
            TopicScan.read(p.kafka, p.catalog.admitted().name(), true, r -> {
                AdmittedRequest a = admitted.deserialize(r.topic(), r.value());
                String id = a.getRequest().getRequestId();
                t.admitted.put(id, a);
                t.admissions.merge(id, 1, Integer::sum);
            });
            var requests = p.catalog.requests().valueSerde().deserializer();
            TopicScan.read(p.kafka, p.catalog.requests().name(), true, r -> {
                LlmRequest req = requests.deserialize(r.topic(), r.value());
                t.partitionOf.put(req.getRequestId(), r.partition());
            });
            TopicScan.read(p.kafka, p.catalog.budgetLeaseRequests().name(), true, r -> t.leaseRequests.add(LeaseMessage.decode(r.value())));
            TopicScan.read(p.kafka, p.catalog.budgetLeaseGrants().name(), true, r -> {
                LeaseMessage m = LeaseMessage.decode(r.value());
                if (m.partition() != r.partition()) {
                    throw new IllegalStateException("a grant for partition " + m.partition() + " on partition " + r.partition());
                }
                t.grants.add(m);
            });
            return t;
        }
    }

    private static Path modelsFile() {
        try {
            Path dir = Files.createDirectories(dev.sluice.testkit.SluiceInfra.workDir("reliability-g1"));
            Path file = dir.resolve("models.properties");
            // output $10 per million tokens, input free: 100 output tokens = exactly 1,000 µ$ worst case
            Files.writeString(file, Suite.FLAT_MODEL + " = 0, 10\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
