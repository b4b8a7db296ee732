package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import dev.sluice.testkit.llm.Fault;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The adversaries of issue 12 at process level, one row each: a producer that lies about time (A1), a budget held
 * while its requests wait as dead letters and then replayed, with a provider billing above the estimate (A2), and
 * oversized requests among normal ones (A3). Each checks its own request ids with the suite's independent checker.
 */
final class AdversaryScenario {
    /** A1: requests per user stamped 100 days ago, one day apart; then these many stamped up to an hour ahead. */
    static final int DAYS_BACK = 100;
    static final int AHEAD = 10;
    static final int FREE_PER_DAY = 10;
    /** A2: requests per user sent while the first ones wait as dead letters (each must be refused for budget). */
    static final int LAG_EXTRA = 5;
    /** A2: requests of the overspend model (billed at twice its reservation). */
    static final int OVERSPENT_REQUESTS = 3;
    static final long FLAT_MICROS = 160;
    static final long OVERSPEND_MICROS = 320;
    /** A3: just under the broker's and the producer's 1 MiB record limits. */
    static final int FAT_METADATA_BYTES = 1_040_000;
    static final int MANY_MESSAGES = 10_000;
    private static final long DAY_MS = 86_400_000L;
    private static final Duration SLACK = Duration.ofSeconds(5);

    private AdversaryScenario() {}

    /**
     * A1: FREE users (10 per minute, 10 per day) send records whose timestamp and {@code createdAt} start 100 days
     * ago and advance a day at a time, then some up to 50 minutes ahead. Admission decides on broker time, so no user
     * gets more than 10 a day; every outcome is readable and stamped now, not when the producer claimed.
     */
    static Verdict time(Suite suite) throws InterruptedException {
        Suite.Mark mark = suite.mark();
        Instant start = Instant.now();
        int n = 0;
        for (String user : suite.timeUsers) {
            for (int i = 0; i < DAYS_BACK + AHEAD; i++) {
                Instant claimed = i < DAYS_BACK ? start.minus(Duration.ofDays(DAYS_BACK - i))
                        : start.plus(Duration.ofMinutes(5L * (i - DAYS_BACK + 1)));
                LlmRequest r = suite.workload.request(user, i);
                r.setCreatedAt(claimed);
                suite.workload.send(r, claimed.toEpochMilli());
                n++;
            }
        }
        Suite.Observed observed = suite.settle(mark, null, n);
        Instant end = Instant.now();
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();
        List<String> over = new ArrayList<>();
        Map<String, Long> perUser = CostScenario.resultsPerUser(s, ids);
        for (String user : suite.timeUsers) {
            long days = ids.stream().filter(id -> user.equals(suite.workload.userOf(id)))
                    .flatMap(id -> s.outcomeTimestamps.getOrDefault(id, List.of()).stream())
                    .map(t -> Math.floorDiv(t, DAY_MS)).distinct().count();
            long got = perUser.getOrDefault(user, 0L);
            // Exactly the day's limit; a run that crosses midnight UTC may use two days' limits, never more.
            if (days == 1 ? got != FREE_PER_DAY : got > FREE_PER_DAY * days) {
                over.add(user + "=" + got);
            }
        }
        long stale = ids.stream().flatMap(id -> s.outcomeTimestamps.getOrDefault(id, List.of()).stream())
                .filter(t -> t < start.minus(SLACK).toEpochMilli() || t > end.plus(SLACK).toEpochMilli()).count();
        long otherRejections = ids.stream().filter(s.rejectReasons::containsKey)
                .filter(id -> !Set.of("RATE_LIMITED", "QUOTA_EXCEEDED").contains(s.rejectReasons.get(id))).count();
        long maxRetry = ids.stream().mapToLong(id -> s.retryAfterMs.getOrDefault(id, 0L)).max().orElse(0);
        return new Verdict("A1 time", n, "timestamps 100 days back, a day apart, and up to 50 min ahead", s, ids, observed.secrets())
                .check("at most " + FREE_PER_DAY + " results per user and UTC day; off: " + over, over.isEmpty())
                .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                .check("other requests rejected for rate or quota only: " + otherRejections, otherRejections == 0)
                .check("every outcome stamped with broker time of this run; stale: " + stale, stale == 0)
                .check("retryAfterMs at most a day: " + maxRetry, maxRetry <= DAY_MS)
                .note(String.format("%d FREE users × %d; results per user %s; outcomes stamped now (0 of %d stale); max retryAfterMs %,d",
                        suite.timeUsers.size(), DAYS_BACK + AHEAD, perUser.values(), ids.size(), maxRetry));
    }

    /**
     * A2: users with a budget of exactly {@value Suite#LAG_ALLOWED} answers send that many while the provider is
     * down, so every one is dead-lettered with its reservation held. While the letters wait, further requests are
     * refused for budget; {@code sluice dlq replay} then completes them, Σ CHARGED ≤ budget and equals what the
     * provider was paid. Then requests of a model the provider bills at twice the estimate: charged in full and
     * flagged OVERSPENT on llm.costs.
     */
    static Verdict lagAndReplay(Suite suite) throws InterruptedException {
        Suite.Mark mark = suite.mark();
        Instant start = Instant.now().minusSeconds(1);
        List<String> users = suite.lagUsers;
        List<String> waiting;
        List<String> whileWaiting;
        Checker.Snapshot before;
        suite.mock.always(Fault.status(503));
        try {
            waiting = sendEach(suite, users, Suite.LAG_ALLOWED, Suite.FLAT_MODEL);
            suite.outcomes.awaitSettled(mark.outcomesBefore() + waiting.size(), Verdict.QUIET, Duration.ofMinutes(5));
            whileWaiting = sendEach(suite, users, LAG_EXTRA, Suite.FLAT_MODEL);
            suite.outcomes.awaitSettled(mark.outcomesBefore() + waiting.size() + whileWaiting.size(), Verdict.QUIET, Duration.ofMinutes(5));
            before = suite.checker.snapshot();
        } finally {
            suite.mock.always(Fault.none()); // the scenarios after this one need a provider that answers
        }
        long lettered = waiting.stream().filter(before.dead::containsKey).count();
        long answeredEarly = waiting.stream().filter(before.results::containsKey).count();
        long refusedForBudget = count(whileWaiting, id -> "BUDGET_EXCEEDED".equals(before.rejectReasons.get(id)));

        int probes = closeBreaker(suite);
        boolean breakerClosed = probes > 0;
        String replay = ProviderOutageScenario.replay(suite, start, false);
        boolean completed = ProviderOutageScenario.awaitAllResults(suite, Set.copyOf(waiting));
        List<String> afterReplay = sendEach(suite, users, 1, Suite.FLAT_MODEL);
        List<String> overspend = sendEach(suite, List.of("adv-overspend"), OVERSPENT_REQUESTS, Suite.OVERSPEND_MODEL);
        ProviderOutageScenario.awaitAllResults(suite, Set.copyOf(overspend));
        boolean flagged = awaitQuietly(() -> overspend.stream().allMatch(suite.checker.snapshot().overspent::containsKey));
        awaitQuietly(() -> afterReplay.stream().allMatch(suite.checker.snapshot()::hasOutcome));
        Suite.Observed observed = suite.settle(mark, null, 0);
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();

        long refusedAfter = count(afterReplay, id -> "BUDGET_EXCEEDED".equals(s.rejectReasons.get(id)));
        long overBudget = users.stream().filter(u -> s.costMicrosByUser.getOrDefault(u, 0L) > Suite.LAG_BUDGET_MICROS).count();
        long maxSpend = users.stream().mapToLong(u -> s.costMicrosByUser.getOrDefault(u, 0L)).max().orElse(0);
        long booked = waiting.stream().mapToLong(id -> s.chargedMicros.getOrDefault(id, 0L)).sum();
        long paid = paidCalls(suite, waiting) * FLAT_MICROS;
        long overBooked = overspend.stream().mapToLong(id -> s.chargedMicros.getOrDefault(id, 0L)).sum();
        long overPaid = paidCalls(suite, overspend) * OVERSPEND_MICROS;
        long wrongFlags = count(overspend, id -> !flaggedInFull(s.overspent.get(id), s.chargedMicros.getOrDefault(id, 0L)));
        return new Verdict("A2 lag + replay", ids.size(), "503 until every request dead-lettered; replayed after; provider bills 2× estimate",
                s, ids, observed.secrets())
                .check("every budgeted request dead-lettered while the provider was down: " + lettered + " of " + waiting.size(),
                        lettered == waiting.size() && answeredEarly == 0)
                .check("requests while the letters wait refused for budget: " + refusedForBudget + " of " + whileWaiting.size(),
                        refusedForBudget == whileWaiting.size())
                .check("breaker closed again before the replay", breakerClosed)
                .check("every dead-lettered request completed by the replay", completed && s.withResult(Set.copyOf(waiting)) == waiting.size())
                .check("no user's charges above the budget; over: " + overBudget, overBudget == 0)
                .check("books = provider paid: " + booked + " = " + paid + " µ$", booked == paid && paid > 0)
                .check("requests after the replay refused for budget: " + refusedAfter + " of " + afterReplay.size(),
                        refusedAfter == afterReplay.size())
                .check("overspend charged in full: " + overBooked + " = " + overPaid + " µ$", overBooked == overPaid && overPaid > 0)
                .check("every overspend flagged OVERSPENT with the full charge; wrong: " + wrongFlags, flagged && wrongFlags == 0)
                .check("every result billed exactly once", s.unbilledOrOrphanCosts(ids) == 0)
                .note(String.format("%d users, budget %d µ$ = %d answers; %d dead-lettered %s; %d refused while waiting; replay: %s; "
                                + "highest spend %d µ$; %d overspent requests charged %d µ$ against %d µ$ reserved; %d probe request(s) to close the breaker",
                        users.size(), Suite.LAG_BUDGET_MICROS, Suite.LAG_ALLOWED, lettered,
                        RedisOutageScenario.deadClasses(before, Set.copyOf(waiting)), refusedForBudget, replay, maxSpend,
                        overspend.size(), overBooked, overspend.size() * FLAT_MICROS, probes));
    }

    /**
     * A3: requests with ~1 MB of metadata and with 10,000 messages interleaved with normal ones: each rejected
     * INVALID naming the field, every normal request answered, no stage died or restarted.
     */
    static Verdict size(Suite suite) throws InterruptedException {
        Map<StageProcess, Long> pids = suite.pids();
        Suite.Mark mark = suite.mark();
        int normal = suite.scale.validWithBad() / 5;
        int big = Math.max(10, suite.scale.malformed() / 100);
        List<String> users = Workload.users("adv-size", 20);
        List<String> fat = new ArrayList<>();
        List<String> many = new ArrayList<>();
        int every = Math.max(1, normal / (2 * big));
        for (int i = 0; i < normal; i++) {
            suite.workload.send(suite.workload.request(users.get(i % users.size()), i));
            if (i % every == 0 && fat.size() + many.size() < 2 * big) {
                LlmRequest r = suite.workload.request(users.get(i % users.size()), i);
                if (i / every % 2 == 0) {
                    r.setMetadata(Map.of("blob", "m".repeat(FAT_METADATA_BYTES)));
                    fat.add(r.getRequestId());
                } else {
                    r.setMessages(Collections.nCopies(MANY_MESSAGES, ChatMessage.newBuilder().setRole(Role.USER).setContent("hi").build()));
                    many.add(r.getRequestId());
                }
                suite.workload.send(r);
            }
        }
        int n = normal + fat.size() + many.size();
        Suite.Observed observed = suite.settle(mark, null, n);
        Set<String> ids = observed.ids();
        Checker.Snapshot s = observed.snapshot();
        Predicate<String> bad = id -> fat.contains(id) || many.contains(id);
        long fatInvalid = count(fat, id -> "INVALID".equals(s.rejectReasons.get(id)) && "metadata".equals(s.rejectFields.get(id)));
        long manyInvalid = count(many, id -> "INVALID".equals(s.rejectReasons.get(id)) && "messages".equals(s.rejectFields.get(id)));
        long normalAnswered = ids.stream().filter(bad.negate()).filter(s.results::containsKey).count();
        boolean allAlive = suite.noneRestartedSince(pids)
                && suite.stages().stream().allMatch(p -> String.valueOf(p.health()).contains("\"ready\":true"));
        return new Verdict("A3 size", n, fat.size() + " × 1 MB metadata, " + many.size() + " × 10,000 messages among " + normal + " normal",
                s, ids, observed.secrets())
                .check("1 MB metadata rejected INVALID field metadata: " + fatInvalid + " of " + fat.size(), fatInvalid == fat.size())
                .check("10,000 messages rejected INVALID field messages: " + manyInvalid + " of " + many.size(), manyInvalid == many.size())
                .check("every normal request answered: " + normalAnswered + " of " + normal, normalAnswered == normal)
                .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                .check("no stage stopped or restarted, all ready", allAlive)
                .note(String.format("INVALID metadata %d, INVALID messages %d; %d of %d normal answered; same pids, all ready: %s",
                        fatInvalid, manyInvalid, normalAnswered, normal, allAlive));
    }

    /** Sends {@code perUser} requests of {@code model} for each user; returns their ids. */
    private static List<String> sendEach(Suite suite, List<String> users, int perUser, String model) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < perUser; i++) {
            for (String user : users) {
                LlmRequest r = suite.workload.request(user, i, model);
                suite.workload.send(r);
                ids.add(r.getRequestId());
            }
        }
        suite.workload.flush();
        return ids;
    }

    /**
     * Sends single requests of an unlimited user until one is answered (returns how many, 0 if none was): the breaker left open by the outage lets a
     * replayed request wait only until its deadline, so the replay starts once calls go through again.
     */
    private static int closeBreaker(Suite suite) {
        for (int attempt = 1; attempt <= 20; attempt++) {
            List<String> probe = sendEach(suite, List.of("adv-lag-probe"), 1, Workload.MODEL);
            if (awaitQuietly(() -> suite.checker.snapshot().hasOutcome(probe.get(0)))
                    && suite.checker.snapshot().results.containsKey(probe.get(0))) {
                return attempt;
            }
        }
        return 0;
    }

    private static boolean awaitQuietly(java.util.concurrent.Callable<Boolean> condition) {
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(condition);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** Calls the mock answered (and so billed) for {@code ids}. */
    private static long paidCalls(Suite suite, List<String> ids) {
        Set<String> wanted = Set.copyOf(ids);
        return suite.mock.calls().stream().filter(c -> c.fault().kind() == Fault.Kind.NONE)
                .filter(c -> wanted.contains(Checker.requestIdOf(c))).count();
    }

    private static boolean flaggedInFull(CostEvent flag, long charged) {
        return flag != null && flag.getCostMicros() == charged && flag.getReservedMicros() == FLAT_MICROS && charged > FLAT_MICROS;
    }

    private static long count(List<String> ids, Predicate<String> which) {
        return ids.stream().filter(which).count();
    }
}
